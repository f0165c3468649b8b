"""crm.logins (issue 23): a password per CRM user as a scrypt digest, JupyterHub names mapped to users —
administrator only, audited without any secret, and never out through crm.sql, crm.tables, exports or backups."""
import base64
import gzip
import hashlib
import pathlib
import shutil

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from crm_engine import CRM, Conflict, InvalidInput, NotAllowed, NotFound
from crm_engine.migrations import latest_version
from crm_engine.system import logins as module
from tests.engine.helpers import snapshot

PASSWORD = "Tr0ub4dor&3 horse"
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"


def refused(crm, act, error):
    """`act()` raises `error`, in words that differ between English and Chinese, and changes no table."""
    before = snapshot(crm)
    with pytest.raises(error) as caught:
        act()
    assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(crm) == before
    return caught.value


@pytest.fixture
def kdf_calls(monkeypatch):
    """How many times scrypt ran (the work a login check costs)."""
    calls = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return real(*args, **kwargs)
    monkeypatch.setattr(module.hashlib, "scrypt", counting)
    return calls


# -- the digest ---------------------------------------------------------------------------------------
def test_a_password_is_stored_as_a_scrypt_digest_with_its_parameters(crm):
    crm.logins.set_password("li.ming", PASSWORD)
    stored, set_on = crm._s.db.one("SELECT digest, set_on FROM passwords p JOIN users u ON u.id = p.user_id "
                                   "WHERE u.username = 'li.ming'")
    scheme, n, r, p, salt, hashed = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**14, 8, 1)
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(hashed)) == 32
    assert base64.b64decode(hashed) == hashlib.scrypt(PASSWORD.encode(), salt=base64.b64decode(salt),
                                                      n=2**14, r=8, p=1, dklen=32)
    assert PASSWORD not in stored and set_on == crm.today()
    crm.logins.set_password("li.ming", PASSWORD)   # a new salt each time: the same password, another digest
    assert crm._s.db.scalar("SELECT digest FROM passwords WHERE user_id = (SELECT id FROM users "
                            "WHERE username = 'li.ming')") != stored


def test_stored_parameters_are_read_back_so_they_can_be_raised():
    stronger = module.digest(PASSWORD, n=2**15, r=8, p=2)
    assert stronger.startswith("scrypt$32768$8$2$")
    assert module.matches(PASSWORD, stronger) and not module.matches(PASSWORD + "!", stronger)
    for bad in ("md5$x", "scrypt$3$8$1$AA==$AA==", "scrypt$16384$8$1$AA==", "scrypt$99999999$8$1$AA==$AA=="):
        with pytest.raises(ValueError):
            module.matches(PASSWORD, bad)


# -- verify -------------------------------------------------------------------------------------------
def test_verify_gives_the_username_only_for_the_right_password(crm):
    crm.logins.set_password("li.ming", PASSWORD)
    assert crm.logins.verify("li.ming", PASSWORD) == "li.ming"
    assert crm.logins.verify(" li.ming ", PASSWORD) == "li.ming"
    assert crm.logins.verify("li.ming", PASSWORD + " ") is None
    assert crm.logins.verify("li.ming", PASSWORD.upper()) is None
    assert crm.logins.verify("li.ming", "") is None
    assert crm.logins.verify("wang.fang", PASSWORD) is None     # no password of her own
    assert crm.logins.verify("nobody", PASSWORD) is None
    assert crm.logins.verify(None, PASSWORD) is None and crm.logins.verify("li.ming", None) is None
    assert crm.logins.verify("li.ming", PASSWORD * 20) is None  # longer than any password


def test_an_inactive_user_cannot_log_in(crm):
    crm.admin.add_user("temp.worker", "Temp Worker", role="marketing")
    crm.logins.set_password("temp.worker", PASSWORD)
    assert crm.logins.verify("temp.worker", PASSWORD) == "temp.worker"
    crm.admin.deactivate_user("temp.worker")
    assert crm.logins.verify("temp.worker", PASSWORD) is None
    refused(crm, lambda: crm.logins.set_password("temp.worker", "another secret"), NotAllowed)
    refused(crm, lambda: crm.logins.link_hub("temp", "temp.worker"), NotAllowed)


def test_verify_does_the_same_work_whether_or_not_the_name_exists(crm, kdf_calls):
    """Unknown, inactive and password-less users are checked against a dummy digest of the same cost."""
    crm.admin.add_user("gone", "Gone", role="marketing")
    crm.logins.set_password("gone", PASSWORD)
    crm.admin.deactivate_user("gone")
    crm.logins.set_password("li.ming", PASSWORD)
    kdf_calls.clear()
    for username, password in [("li.ming", PASSWORD), ("li.ming", "wrong password"), ("nobody", PASSWORD),
                               ("gone", PASSWORD), ("wang.fang", PASSWORD), (None, None), ("li.ming", "x" * 500)]:
        crm.logins.verify(username, password)
        assert kdf_calls == [2**14], username
        kdf_calls.clear()


# -- the rules of a password --------------------------------------------------------------------------
@pytest.mark.parametrize("password, key", [
    ("seven77", "login.password_length"), ("x" * 129, "login.password_length"),
    ("zhang.wei", "login.password_is_username"), (" ZHANG.WEI ", "login.password_is_username"),
    ("line one\nline two", "login.password_text"), ("tab\there12", "login.password_text"),
    (12345678, "login.password_text"), (None, "login.password_text"),
])
def test_a_bad_password_is_refused_and_changes_nothing(crm, password, key):
    error = refused(crm, lambda: crm.logins.set_password("zhang.wei", password), InvalidInput)
    assert error.key == key and error.field == "password"
    if isinstance(password, str):
        assert password.strip() not in error.message("en") and password.strip() not in error.message("zh_CN")


def test_lengths_at_the_bounds_and_any_characters_are_accepted(crm):
    for password in ("x" * 8, "密" * 128, "  spaces count  "):
        crm.logins.set_password("li.ming", password)
        assert crm.logins.verify("li.ming", password) == "li.ming"


def test_unknown_user_is_refused(crm):
    refused(crm, lambda: crm.logins.set_password("nobody", PASSWORD), NotFound)
    refused(crm, lambda: crm.logins.clear_password("nobody"), NotFound)
    refused(crm, lambda: crm.logins.link_hub("hub-x", "nobody"), NotFound)


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=8, max_size=40))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_valid_password_verifies_and_nothing_else_does(crm, password):
    if password.strip().casefold() == "li.ming":
        return
    crm.logins.set_password("li.ming", password)
    assert crm.logins.verify("li.ming", password) == "li.ming"
    assert crm.logins.verify("li.ming", password + "x") is None
    assert crm.logins.verify("wang.fang", password) is None


# -- administrator only -------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["dong.li", "zhang.wei", "li.ming"])
def test_only_the_administrator_manages_or_checks_logins(crm, who):
    crm.logins.set_password("li.ming", PASSWORD)
    crm.logins.link_hub("hub-li", "li.ming")
    other = crm.as_user(who)
    for act in (lambda: other.logins.set_password("li.ming", "a new password"),
                lambda: other.logins.set_password(who, "my own password"),
                lambda: other.logins.clear_password("li.ming"),
                lambda: other.logins.link_hub("hub-x", who),
                lambda: other.logins.unlink_hub("hub-li"),
                lambda: other.logins.list(),
                lambda: other.logins.verify("li.ming", PASSWORD),
                lambda: other.logins.hub_user("hub-li")):
        assert refused(crm, act, NotAllowed).key == "error.role"


# -- the audit trail and the file hold no secret -----------------------------------------------------
def test_the_audit_trail_and_the_workspace_file_hold_no_password(workspace_file):
    secret = "Unguessable-Phrase-4711"
    with CRM.open(workspace_file) as crm:
        crm.logins.set_password("li.ming", secret)
        crm.logins.link_hub("hub-li", "li.ming")
        crm.logins.clear_password("li.ming")
        crm.logins.set_password("li.ming", secret)
        stored = crm._s.db.scalar("SELECT digest FROM passwords")
        rows = crm.audit.list(kind="login")
        assert rows["action"].tolist() == ["set_password", "link_hub", "clear_password", "set_password"]
        assert set(rows["note"]) == {"li.ming"} and rows["before"].isna().all() and rows["after"].isna().all()
        text = rows.to_csv()
        assert secret not in text and stored not in text and stored.split("$")[-1] not in text
    data = pathlib.Path(workspace_file).read_bytes()
    assert stored.encode() in data   # the check reads the tables' bytes: the digest is there, the password not
    for form in (secret.encode("utf-8"), secret.encode("utf-16-le"), secret.encode("utf-16-be")):
        assert form not in data


# -- hub links ----------------------------------------------------------------------------------------
def test_hub_links_map_one_hub_name_to_one_user(crm):
    crm.logins.link_hub("jupyter-li", "li.ming")
    assert crm.logins.hub_user("jupyter-li") == "li.ming"
    assert crm.logins.hub_user(" jupyter-li ") == "li.ming"
    assert crm.logins.hub_user("jupyter-wang") is None and crm.logins.hub_user(None) is None
    assert refused(crm, lambda: crm.logins.link_hub("jupyter-li", "wang.fang"), Conflict).key == "login.hub_taken"
    assert refused(crm, lambda: crm.logins.link_hub("jupyter-li", "li.ming"), Conflict).key == "login.hub_taken"
    assert refused(crm, lambda: crm.logins.link_hub("li-again", "li.ming"), Conflict).key == "login.user_linked"
    assert refused(crm, lambda: crm.logins.link_hub("  ", "li.ming"), InvalidInput).field == "hub_name"
    assert refused(crm, lambda: crm.logins.unlink_hub("jupyter-wang"), NotFound).key == "login.hub_not_linked"
    crm.logins.unlink_hub("jupyter-li")
    assert crm.logins.hub_user("jupyter-li") is None
    crm.logins.link_hub("li-again", "li.ming")
    assert crm.logins.hub_user("li-again") == "li.ming"


def test_a_linked_user_who_leaves_is_no_longer_let_in(crm):
    crm.admin.add_user("temp.worker", "Temp Worker", role="marketing")
    crm.logins.link_hub("jupyter-temp", "temp.worker")
    crm.admin.deactivate_user("temp.worker")
    assert crm.logins.hub_user("jupyter-temp") is None


def test_clear_password(crm):
    crm.logins.set_password("li.ming", PASSWORD)
    crm.logins.clear_password("li.ming")
    assert crm.logins.verify("li.ming", PASSWORD) is None
    assert refused(crm, lambda: crm.logins.clear_password("li.ming"), NotFound).key == "login.no_password"


def test_the_stamp_changes_with_the_password_and_ends_with_the_login(crm):
    assert crm.logins.stamp("li.ming") is None              # no password: no way in
    crm.logins.set_password("li.ming", PASSWORD)
    first = crm.logins.stamp("li.ming")
    assert first and len(first) == 16
    assert crm.logins.stamp("li.ming") == first              # stable while nothing changes
    crm.logins.set_password("li.ming", PASSWORD)             # the same password again: a new salt
    assert crm.logins.stamp("li.ming") not in (None, first)
    crm.logins.clear_password("li.ming")
    assert crm.logins.stamp("li.ming") is None
    assert crm.logins.stamp("nobody") is None and crm.logins.stamp(None) is None
    with pytest.raises(NotAllowed):
        crm.as_user("zhang.wei").logins.stamp("li.ming")


def test_list_shows_how_each_user_logs_in_and_never_a_digest(crm):
    crm.logins.set_password("li.ming", PASSWORD)
    crm.logins.link_hub("jupyter-wang", "wang.fang")
    frame = crm.logins.list()
    assert list(frame.columns) == ["username", "name", "role", "active", "has_password", "password_set_on",
                                   "hub_name"]
    assert frame["username"].tolist() == crm.admin.users(active=None)["username"].tolist()
    rows = frame.set_index("username")
    assert bool(rows.loc["li.ming", "has_password"]) and not bool(rows.loc["wang.fang", "has_password"])
    assert rows.loc["li.ming", "password_set_on"].date() == crm.today()
    assert rows.loc["wang.fang", "hub_name"] == "jupyter-wang"
    assert "scrypt$" not in frame.to_csv()


# -- never out as data ---------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["admin", "dong.li"])
@pytest.mark.parametrize("query", ["SELECT * FROM passwords", "SELECT digest FROM main.passwords",
                                   "SELECT hub_name FROM hub_users", "FROM PASSWORDS",
                                   "SELECT u.username FROM users u JOIN passwords p ON p.user_id = u.id",
                                   "WITH x AS (SELECT * FROM hub_users) SELECT * FROM x",
                                   "SELECT * FROM users WHERE id IN (SELECT user_id FROM passwords)",
                                   "DESCRIBE passwords", "SUMMARIZE passwords"])
def test_crm_sql_never_reads_the_logins(crm, who, query):
    crm.logins.set_password("li.ming", PASSWORD)
    with pytest.raises(NotAllowed) as caught:
        crm.as_user(who).sql(query)
    assert caught.value.key == "sql.secret"


def test_crm_tables_never_reads_the_logins(crm):
    crm.logins.set_password("li.ming", PASSWORD)
    tables = crm.tables
    for read in (tables.df, tables.rows, tables.one, tables.scalar, tables.numpy):
        with pytest.raises(NotAllowed):
            read("SELECT * FROM passwords")
        with pytest.raises(NotAllowed):
            read("select hub_name from Hub_Users")
    assert tables.scalar("SELECT count(*) FROM users") > 1


def test_no_export_kind_reaches_the_logins(crm, tmp_path):
    assert not {"passwords", "hub_users", "logins"} & set(CRM.EXPORT_KINDS)
    for kind in ("passwords", "hub_users", "logins"):
        refused(crm, lambda: crm.exports.write(kind, tmp_path / f"{kind}.csv"), InvalidInput)
    crm.logins.set_password("li.ming", PASSWORD)
    crm.exports.write("users", tmp_path / "users.csv")
    assert "scrypt" not in (tmp_path / "users.csv").read_text("utf-8-sig")


def test_a_backup_holds_no_logins_and_a_restore_keeps_the_workspaces(workspace_file, tmp_path):
    with CRM.open(workspace_file) as crm:
        crm.logins.set_password("li.ming", PASSWORD)
        crm.logins.link_hub("jupyter-li", "li.ming")
        digest = crm._s.db.scalar("SELECT digest FROM passwords")
        backup = crm.admin.backup(tmp_path / "monday.duckdb")
        # after the backup: a new person, with a password and a hub link of their own
        crm.admin.add_user("new.hire", "New Hire", role="marketing")
        crm.logins.set_password("new.hire", "welcome aboard")
        crm.logins.link_hub("jupyter-new", "new.hire")
        crm.admin.restore(backup)
        # li.ming is the same person in the backup: her logins stay; new.hire is gone, and so are theirs
        assert crm.logins.verify("li.ming", PASSWORD) == "li.ming"
        assert crm.logins.hub_user("jupyter-li") == "li.ming"
        assert crm._s.db.scalar("SELECT count(*) FROM passwords") == 1
        assert crm._s.db.scalar("SELECT count(*) FROM hub_users") == 1
        assert crm.audit.list(action="restore")["after"].tolist() == ['{"logins_dropped": 2}']
    with CRM.open(backup, read_only=True) as copy:
        db = copy._s.db
        assert db.scalar("SELECT count(*) FROM passwords") == 0 and db.scalar("SELECT count(*) FROM hub_users") == 0
        assert copy.customers.count() > 0
    data = pathlib.Path(backup).read_bytes()
    assert digest.encode() not in data and digest.split("$")[-1].encode() not in data
    assert b"jupyter-li" not in data


def test_a_restore_drops_the_logins_of_an_id_that_is_someone_else(workspace_file, tmp_path):
    with CRM.open(workspace_file) as crm:
        crm.admin.add_user("first.hire", "First Hire", role="marketing")
        backup = crm.admin.backup(tmp_path / "with-first.duckdb")
        crm.admin.restore(crm.admin.backup(tmp_path / "empty-check.duckdb"))   # nothing to drop
        assert crm.audit.list(action="restore")["after"].isna().all()
    with CRM.open(workspace_file) as crm:
        with crm.transaction():   # as if the id had never been used
            crm._s.db.execute("DELETE FROM users WHERE username = 'first.hire'")
        crm.admin.add_user("other.hire", "Other Hire", role="marketing")     # … and now it is someone else's
        crm.logins.set_password("other.hire", PASSWORD)
        crm.admin.restore(backup)
        assert crm.logins.verify("first.hire", PASSWORD) is None
        assert crm._s.db.scalar("SELECT count(*) FROM passwords") == 0


# -- old workspaces ------------------------------------------------------------------------------------
def _old(tmp_path) -> pathlib.Path:
    path = tmp_path / "a1_opportunity-fixture.student.crm"
    with gzip.open(FIXTURES / "a1_opportunity-fixture.student.crm.gz") as packed, open(path, "wb") as out:
        shutil.copyfileobj(packed, out)
    return path


def test_an_older_workspace_opened_read_only_has_no_logins(tmp_path):
    path = _old(tmp_path)
    with CRM.open(path, read_only=True) as crm:
        assert crm._s.db.schema_version() < latest_version()
        frame = crm.logins.list()
        assert len(frame) > 1 and not frame["has_password"].any() and frame["hub_name"].isna().all()
        assert crm.logins.verify("admin", PASSWORD) is None and crm.logins.hub_user("admin") is None


def test_an_older_workspace_opened_read_write_gets_the_logins_tables(tmp_path):
    path = _old(tmp_path)
    with CRM.open(path) as crm:
        assert crm._s.db.schema_version() == latest_version()
        crm.logins.set_password("admin", PASSWORD)
        assert crm.logins.verify("admin", PASSWORD) == "admin"


def test_the_kdf_runs_with_the_workspace_free(crm, monkeypatch):
    """A login check's tens of milliseconds do not hold the workspace: the server's other users go on."""
    held = []
    real = hashlib.scrypt

    def watching(*args, **kwargs):
        held.append(crm._s.db._lock._is_owned() or crm._s.db.in_transaction)
        return real(*args, **kwargs)
    monkeypatch.setattr(module.hashlib, "scrypt", watching)
    crm.logins.set_password("li.ming", PASSWORD)
    crm.logins.verify("li.ming", PASSWORD)
    crm.logins.verify("nobody", PASSWORD)
    assert held == [False, False, False]


def test_a_password_matches_in_any_unicode_normal_form(crm):
    composed, decomposed = "caf\u00e9-au-lait", "cafe\u0301-au-lait"
    crm.logins.set_password("li.ming", composed)
    assert crm.logins.verify("li.ming", decomposed) == "li.ming"


def test_only_the_logins_migration_may_be_skipped_by_a_read_only_open():
    from crm_engine.migrations import migrations, skippable
    assert [version for version, name, sql in migrations() if skippable(sql)] == [10]
