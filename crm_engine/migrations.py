"""The workspace schema's migrations: one SQL file per version in `schema/` (`001_core.sql` …).

`Database.migrate()` applies those a workspace lacks, in one transaction; a workspace made by a
newer CRM Lab is refused rather than guessed at.
"""
from __future__ import annotations

import re
from importlib import resources


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in `schema/`, in version order."""
    found = []
    for item in resources.files(__package__).joinpath("schema").iterdir():
        match = re.fullmatch(r"(\d{3})_(\w+)\.sql", item.name)
        if match:
            found.append((int(match[1]), match[2], item.read_text("utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two schema migrations share a number: {versions}")
    return found


# A migration whose file carries this line adds only tables that code reading a workspace copes
# without (010_logins: no logins yet): a read-only open of a workspace that lacks only such migrations
# goes ahead without them (a regrade of a workspace handed out earlier), where it would otherwise have
# to ask for an upgrade it may not write.
SKIPPABLE = "-- read-only opens may skip this migration"


def skippable(sql: str) -> bool:
    """Whether a read-only open may go ahead without migration `sql` (see SKIPPABLE)."""
    return any(line.strip() == SKIPPABLE for line in sql.splitlines())


def latest_version() -> int:
    return migrations()[-1][0]
