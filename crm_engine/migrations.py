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


def latest_version() -> int:
    return migrations()[-1][0]
