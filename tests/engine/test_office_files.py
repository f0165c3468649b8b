"""Files (F2): own and shared files in the workspace, size limits, safe names, no path escapes."""
import io
import os

import pytest

from crm_engine import Conflict, InvalidInput, NotAllowed, NotFound
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)


@pytest.fixture
def rep(crm):
    return crm.as_user("li.ming")


def test_upload_read_and_list(crm, rep, tmp_path):
    path = tmp_path / "报价单 Q1.txt"
    path.write_bytes("星光科技 quote ✓".encode())
    from_path = rep.files.upload(path, description="Q1 quote")
    assert from_path.name == "报价单 Q1.txt" and from_path.size == len(path.read_bytes()) and not from_path.shared
    assert rep.files.read(from_path.id) == path.read_bytes()
    from_bytes = rep.files.upload(b"\x00\x01binary", name="data.bin", shared=True)
    from_handle = rep.files.upload(io.BytesIO(b"minutes"), name="minutes.txt")
    assert rep.files.read(from_handle.id) == b"minutes"
    assert rep.files.list()["name"].tolist() == ["minutes.txt", "data.bin", "报价单 Q1.txt"]
    assert rep.files.list(shared=True)["id"].tolist() == [from_bytes.id]
    assert crm.audit.list(kind="file")["action"].tolist() == ["create"] * 3


def test_own_and_shared_files(crm, rep):
    private = rep.files.upload(b"mine", name="notes.txt")
    shared = rep.files.upload(b"ours", name="price list.csv", shared=True)
    colleague = crm.as_user("liu.yang")
    assert colleague.files.list()["id"].tolist() == [shared.id]
    assert colleague.files.read(shared.id) == b"ours"
    with pytest.raises(NotFound):
        colleague.files.read(private.id)
    with pytest.raises(NotFound):  # even the supervisor: own files are the owner's
        crm.as_user("zhang.wei").files.get(private.id)
    before = snapshot(crm)
    for act in (lambda: colleague.files.delete(shared.id), lambda: colleague.files.unshare(shared.id),
                lambda: colleague.files.rename(shared.id, "mine-now.csv")):
        with pytest.raises(NotAllowed):
            act()
    assert snapshot(crm) == before
    assert len(crm.files.list()) == 2  # the administrator's scope reaches every file
    rep.files.share(private.id)
    assert colleague.files.read(private.id) == b"mine"
    rep.files.unshare(private.id)
    with pytest.raises(NotFound):
        colleague.files.get(private.id)
    rep.files.delete(shared.id)
    assert colleague.files.list().empty


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "..\\..\\windows\\system.ini", "/etc/passwd", "a/b.txt", "..", ".", " . ", "bad\x00name",
    "tab\tname", "what?.txt", "a:b", "CON", "nul.txt", "Lpt1.log", "trailing.", "", "   ",
    "x" * 201,
])
def test_unsafe_names_are_refused_and_nothing_is_written(crm, rep, tmp_path, name):
    before = snapshot(crm)
    outside = tmp_path / "etc"
    with pytest.raises(InvalidInput) as caught:
        rep.files.upload(b"root:x:0:0", name=name)
    assert caught.value.field == "file_name"
    assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(crm) == before
    assert not outside.exists()


def test_a_path_source_keeps_only_its_base_name(rep, tmp_path):
    nested = tmp_path / "deep" / "folder"
    nested.mkdir(parents=True)
    (nested / "plan.txt").write_bytes(b"plan")
    assert rep.files.upload(str(nested / ".." / "folder" / "plan.txt")).name == "plan.txt"


def test_a_two_gigabyte_file_is_refused_before_it_is_read(crm, rep, tmp_path):
    huge = tmp_path / "backup.iso"
    with open(huge, "wb") as handle:
        handle.truncate(2 * 1024 ** 3)  # sparse: takes no disk space
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.files.upload(huge)
    assert "2.0 GB" in str(caught.value) and "10.0 MB" in str(caught.value)
    assert snapshot(crm) == before

    class DeclaredHuge(io.RawIOBase):
        """A stream that declares 2 GB and fails the test if anyone reads it."""
        size = 2 * 1024 ** 3
        name = "huge.bin"

        def readable(self):
            return True

        def read(self, n=-1):
            raise AssertionError("the size must be checked before reading")

    with pytest.raises(InvalidInput):
        rep.files.upload(DeclaredHuge())
    assert snapshot(crm) == before


def test_the_size_limit_is_a_setting(crm, rep):
    crm.admin.set_setting("file_max_bytes", 2048)
    assert rep.files.upload(b"x" * 2048, name="fits.bin").size == 2048
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.files.upload(b"x" * 2049, name="too-big.bin")
    assert "2.0 KB" in str(caught.value)

    class Unseekable(io.RawIOBase):
        """A stream that cannot say its size: read up to the limit + 1 and refuse."""
        def __init__(self):
            self.left = 5000

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buffer):
            n = min(len(buffer), self.left)
            buffer[:n] = b"y" * n
            self.left -= n
            return n

    with pytest.raises(InvalidInput):
        rep.files.upload(io.BufferedReader(Unseekable()), name="stream.bin")
    with pytest.raises(InvalidInput):
        rep.files.upload(io.StringIO("text mode"), name="text.txt")
    with pytest.raises(InvalidInput):
        crm.admin.set_setting("file_max_bytes", -1)
    assert snapshot(crm) == before


def test_duplicate_names_and_rename(crm, rep):
    first = rep.files.upload(b"1", name="report.pdf")
    with pytest.raises(Conflict):
        rep.files.upload(b"2", name="report.pdf")
    crm.as_user("wang.fang").files.upload(b"3", name="report.pdf")  # names are unique per owner only
    second = rep.files.upload(b"2", name="report-v2.pdf")
    with pytest.raises(Conflict):
        rep.files.rename(second.id, "report.pdf")
    with pytest.raises(InvalidInput):
        rep.files.rename(first.id, "../report.pdf")
    assert rep.files.rename(first.id, "report-v1.pdf").name == "report-v1.pdf"


def test_save_writes_only_inside_the_folder_and_never_overwrites(crm, rep, tmp_path):
    info = rep.files.upload(b"quote", name="quote.txt")
    out = tmp_path / "out"
    out.mkdir()
    path = rep.files.save(info.id, out)
    assert path == os.path.join(os.path.realpath(out), "quote.txt") and open(path, "rb").read() == b"quote"
    with pytest.raises(Conflict):
        rep.files.save(info.id, out)
    assert open(path, "rb").read() == b"quote"
    with pytest.raises(InvalidInput):
        rep.files.save(info.id, out, name="../escaped.txt")
    assert not (tmp_path / "escaped.txt").exists()
    with pytest.raises(InvalidInput):
        rep.files.save(info.id, tmp_path / "missing")
    # a row that arrived by other means (a restored or hand-edited workspace) is checked again
    crm._s.db.con.execute("UPDATE files SET name = '../../planted.txt' WHERE id = ?", [info.id])
    with pytest.raises(InvalidInput):
        rep.files.save(info.id, out)
    assert not (tmp_path / "planted.txt").exists() and not (tmp_path.parent / "planted.txt").exists()
    assert crm.audit.list(kind="file", action="export")["note"].tolist() == ["quote.txt"]


def test_file_pages_are_slices_and_stay_in_scope(crm, rep):
    for n in range(3):
        rep.files.upload(b"mine", name=f"mine {n}.txt")
        rep.files.upload(b"ours", name=f"shared {n}.txt", shared=True)
    assert len(assert_pages(rep.files.list, size=4)) == 6
    colleague = every_page(crm.as_user("liu.yang").files.list, size=2)
    assert sorted(colleague["name"]) == [f"shared {n}.txt" for n in range(3)]
    assert_bad_pages_refused(crm, rep.files.list, shared=True)


def test_files_are_searched_sorted_and_counted_in_the_engine(crm, rep):
    for n, (name, shared, description) in enumerate((("offer.pdf", True, "Offer for Star Tech"),
                                                     ("notes.txt", False, None), ("price list.xlsx", True, "Prices"),
                                                     ("100% plan.docx", False, "Plan"))):
        rep.files.upload(b"x" * (n + 1) * 10, name=name, shared=shared, description=description)
        crm.clock.advance(1)
    crm.as_user("wang.fang").files.upload(b"hers", name="her offer.pdf")
    crm.as_user("liu.yang").files.upload(b"far", name="west offer.pdf", shared=True)
    columns, sorts = ("name", "description", "owner_name"), ("uploaded_on", "name", "size")
    found = assert_search_sort_count(crm, crm.files.list, crm.files.count, term="offer", columns=columns, sorts=sorts)
    assert len(found) == 3
    assert crm.files.list(search="prices")["name"].tolist() == ["price list.xlsx"]
    assert crm.files.list(search="0%")["name"].tolist() == ["100% plan.docx"]
    assert_search_sort_count(crm, rep.files.list, rep.files.count, term="pdf", columns=columns, sorts=sorts, mine=True)
    assert rep.files.count(shared=False, search="plan") == 1
    mine = assert_search_stays_in_scope(rep.files.list, crm.files.list, term="offer")
    assert mine["name"].tolist() == ["west offer.pdf", "offer.pdf"]          # shared with everyone, not hers


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_actions_give_the_verbs_own_reasons(crm, rep, language):
    mine = rep.files.upload(b"minutes", name="minutes.txt", shared=True)
    crm.set_language(language)
    assert rep.files.actions(mine.id) == {name: None for name in rep.files.ACTIONS}
    other = crm.as_user("wang.fang")
    why = other.files.actions(mine.id)
    assert why["save"] is None                                    # a shared file may be saved by all
    for name, verb in (("share", lambda: other.files.share(mine.id, False)),
                       ("rename", lambda: other.files.rename(mine.id, "x.txt")),
                       ("delete", lambda: other.files.delete(mine.id))):
        with pytest.raises(NotAllowed) as refused:
            verb()
        assert why[name] == refused.value.message(language)      # the button and the verb agree
    rep.files.unshare(mine.id)
    with pytest.raises(NotFound):
        other.files.actions(mine.id)
    assert rep.files.human_size(1536) == "1.5 KB"
