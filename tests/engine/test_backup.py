"""Backups and restore (A5): a restore gives back exactly the data of the snapshot."""
import pytest

from crm_engine import CRM, Conflict, NotAllowed, WorkspaceError
from tests.engine.helpers import snapshot


def _without_audit(state):
    return {t: rows for t, rows in state.items() if t != "audit"}


def test_backup_then_restore_gives_back_every_table(workspace_file, tmp_path):
    with CRM.open(workspace_file) as crm:
        rep = crm.as_user("li.ming")
        star = int(rep.customers.list(search="Star Tech").iloc[0].id)
        rep.customers.add_contact(star, "Chen Jing")
        rep.orders.add(star, [{"product": "NB-14", "quantity": 3}])
        actions_before = crm.audit.list()["action"].tolist()
        backup = crm.admin.backup(tmp_path / "monday.duckdb")
        at_backup = snapshot(crm)
        # the week goes on …
        rep.customers.update(star, level="partner")
        rep.customers.add("Tuesday Co")
        crm.clock.advance(7)
        crm.as_user("zhang.wei").customers.handover("li.ming", "wang.fang")
        assert snapshot(crm) != at_backup
        crm.admin.restore(backup)
        restored = snapshot(crm)
        # identical; the audit trail is the snapshot's (taken before its own "backup" row) plus "restore"
        assert _without_audit(restored) == _without_audit(at_backup)
        assert crm.audit.list()["action"].tolist() == actions_before + ["restore"]
    with CRM.open(backup, read_only=True) as copy:  # the backup is itself a workspace
        assert _without_audit(snapshot(copy)) == _without_audit(at_backup)


def test_backup_of_an_in_memory_workspace(crm, tmp_path):
    path = crm.admin.backup(tmp_path / "mem.duckdb")
    with CRM.open(path, read_only=True) as copy:
        assert copy.customers.count() == crm.customers.count()


def test_backup_refusals(crm, tmp_path, workspace_file):
    existing = tmp_path / "taken.duckdb"
    existing.write_text("x")
    with pytest.raises(Conflict):
        crm.admin.backup(existing)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").admin.backup(tmp_path / "rep.duckdb")
    with pytest.raises(WorkspaceError, match="not a CRM Lab workspace"):
        crm.admin.restore(existing)
    with pytest.raises(WorkspaceError, match="There is no workspace"):
        crm.admin.restore(tmp_path / "missing.duckdb")
    with pytest.raises(NotAllowed):
        crm.as_user("dong.li").admin.restore(workspace_file)
