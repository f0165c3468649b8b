"""One path for every state move (docs/engine.md rule 5): `StateMachine.move_many` writes, for a set of
records, exactly the history rows `move` writes one by one, refuses the same pairs, and `history`
is the one "moves with user names" query the areas share."""
from pathlib import Path

import pytest

import crm_engine
from crm_engine import TransitionNotAllowed
from crm_engine.statemachine import StateMachine

DOOR = StateMachine("door", {
    ("closed", "open"): "opened",
    ("opened", "close"): "closed",
    ("closed", "lock"): "locked",
    ("locked", "unlock"): "closed",
}, starts={"install": "closed"})

RECORDS = "SELECT * FROM (VALUES (3, 'closed'), (1, 'locked'), (2, 'closed')) t(record_id, from_state)"


def history(crm) -> list[tuple]:
    return crm._s.db.rows("SELECT * FROM state_history WHERE kind = 'door' ORDER BY rowid")


def test_move_many_writes_the_rows_move_writes_in_record_order(crm):
    s = crm._s
    with s.db.transaction():
        for record_id, state in ((2, "closed"), (3, "closed")):
            DOOR.move(s, record_id, state, "open", note=f"door {record_id}")
    one_by_one = history(crm)
    with s.db.transaction():
        s.db.execute("DELETE FROM state_history WHERE kind = 'door'")
        moved = DOOR.move_many(s, "open", f"SELECT record_id, from_state, ?::DATE AS on_date, "
                                          f"'door ' || record_id AS note FROM ({RECORDS}) WHERE from_state = ?",
                               [s.today(), "closed"])
    assert moved == 2
    assert history(crm) == one_by_one


def test_move_many_picks_each_record_s_target_from_the_table(crm):
    s = crm._s
    with s.db.transaction():
        DOOR.move_many(s, "install", "SELECT * FROM (VALUES (5, NULL::VARCHAR, DATE '2026-01-05', NULL::VARCHAR), "
                                     "(4, NULL, DATE '2026-01-04', 'second floor')) t(record_id, from_state, on_date, note)")
    assert [(r[1], r[2], r[3], r[4], r[6].isoformat(), r[7]) for r in history(crm)] == [
        (4, "install", None, "closed", "2026-01-04", "second floor"),
        (5, "install", None, "closed", "2026-01-05", None)]
    assert {r[5] for r in history(crm)} == {s.user.id}


def test_a_refused_pair_writes_nothing_and_names_the_first_record(crm):
    s = crm._s
    with pytest.raises(TransitionNotAllowed) as refused:
        with s.db.transaction():
            DOOR.move_many(s, "open", f"SELECT record_id, from_state, DATE '2026-01-01' AS on_date, NULL AS note "
                                      f"FROM ({RECORDS})")
    assert "1" in str(refused.value)  # record 1 is locked: it cannot open (the first refused, by id)
    with pytest.raises(TransitionNotAllowed):  # a start needs no from_state; a move needs one
        with s.db.transaction():
            DOOR.move_many(s, "open", "SELECT 7 AS record_id, NULL AS from_state, DATE '2026-01-01' AS on_date, "
                                      "NULL AS note")
    assert history(crm) == []


def test_history_is_one_query_for_every_area(crm):
    rep = crm.as_user("li.ming")
    lead = rep.leads.add("Zhou Min", company="Lakeside Hotel")
    rep.leads.follow_up(lead.id, "Called")
    frame = rep.leads.history(lead.id)
    assert frame.columns.tolist() == ["on_date", "action", "from_state", "to_state", "user_name", "note"]
    assert frame["action"].tolist() == ["create", "follow_up"]
    name = crm._s.db.scalar("SELECT name FROM users WHERE username = 'li.ming'")
    assert set(frame["user_name"]) == {name}


def test_the_crm_areas_write_state_history_only_through_the_state_machine():
    """churn.scan and leads.recycle used to insert history rows themselves (issue 18)."""
    root = Path(crm_engine.__file__).parent
    courseware = {"scenario", "transfer", "course", "ui"}  # generators and imports write history in bulk
    writers = [str(path.relative_to(root)) for path in root.rglob("*.py")
               if path.relative_to(root).parts[0] not in courseware and path.name not in ("statemachine.py", "session.py")
               and "INSERT INTO STATE_HISTORY" in " ".join(path.read_text(encoding="utf-8").upper().split())]
    assert writers == []
