"""`crm-lab`: the command line for instructors and administrators.

    crm-lab demo workspace/demo.duckdb           # the demo company
    crm-lab new workspace/acme.duckdb --company "Acme Ltd." --today 2026-03-02   # an empty one
    crm-lab info workspace/demo.duckdb
    crm-lab import workspace/demo.duckdb customers list.csv --as li.ming --map 公司名称=name
    crm-lab export workspace/demo.duckdb customers mine.xlsx --as li.ming
    crm-lab backup workspace/demo.duckdb monday.duckdb
    crm-lab restore workspace/demo.duckdb monday.duckdb
    crm-lab passwd workspace/team.duckdb li.ming   # logins for `crm-lab serve`; crm-lab logins list|link|unlink|clear
    crm-lab theory-site build/theory-site
    crm-lab courseware ~/crm-lab                  # notebooks, theory and a demo workspace for a student
    crm-lab scenario list
    crm-lab scenario create fmcg_wholesaler workspaces/s001.duckdb --student s001
    crm-lab scenario class vocational_school class.csv workspaces/
    crm-lab scenario advance workspaces/s001.duckdb 7
    crm-lab serve workspace/team.duckdb --port 8765   # the team's company, served to its members
    crm-lab team new teams/t1.duckdb --members supervisor=alice,account_manager=bob --seed 7
    crm-lab team grade teams/t1.duckdb --json

Exit codes: 0 done; 1 refused (the engine's reason, in the workspace's language; an import that
imported nothing); 2 a malformed command line (click's usage errors: a bad option value, a missing file).
"""
from __future__ import annotations

# The command group, then the modules that add their commands to it (importing them registers them).
from .base import main
from . import workspace_commands  # noqa: F401, E402 - registers demo, new, info, import, export, backup …
from .scenario_commands import scenario  # noqa: E402
from .course_commands import course  # noqa: E402
from . import serve_commands  # noqa: F401, E402 - registers serve
from .login_commands import logins  # noqa: E402 - also registers passwd
from .team_commands import team  # noqa: E402, F401 - registers crm-lab team new / grade

__all__ = ["main", "scenario", "course", "logins", "team"]
