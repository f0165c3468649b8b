"""JupyterHub for a CRM Lab class — an example to adapt (docs/jupyterhub.md explains every part).

One server, one class: each student is a Unix user (PAM login; nbgrader's student id is the user
name), instructors share the formgrader through a service that runs as the grading account
`grader-crm-lab`, and nbgrader's exchange is a world-writable folder. Start it as root:

    CRM_LAB_VENV=/opt/crm-lab/.venv CRM_LAB_ROSTER=/srv/crm-lab/students.txt \
        /opt/crm-lab/.venv/bin/jupyterhub -f /opt/crm-lab/jupyterhub_config.py

Settings come from the environment so the file itself need not change per class.
"""
import os
import pathlib

c = get_config()  # noqa: F821 — provided by traitlets when JupyterHub loads this file

COURSE = os.environ.get("CRM_LAB_COURSE_ID", "crm-lab")            # = CourseDirectory.course_id
GRADER = f"grader-{COURSE}"                                         # the account that owns the course root
VENV = pathlib.Path(os.environ.get("CRM_LAB_VENV", "/opt/crm-lab/.venv"))  # CRM Lab + JupyterLab + nbgrader
ROSTER = pathlib.Path(os.environ.get("CRM_LAB_ROSTER", "/srv/crm-lab/students.txt"))  # one user name per line
INSTRUCTORS = [n for n in os.environ.get("CRM_LAB_INSTRUCTORS", "teacher").split(",") if n]


def roster(path: pathlib.Path) -> list[str]:
    """Student user names from the class list (blank lines and # comments skipped)."""
    if not path.exists():
        return []
    return [line.split("#")[0].strip() for line in path.read_text("utf-8").splitlines() if line.split("#")[0].strip()]


STUDENTS = roster(ROSTER)

# -- who may log in ---------------------------------------------------------------------------------
c.JupyterHub.bind_url = os.environ.get("CRM_LAB_HUB_URL", "http://:8000")
c.JupyterHub.authenticator_class = "pam"          # Unix accounts: nbgrader's exchange relies on them
c.Authenticator.allowed_users = set(STUDENTS) | set(INSTRUCTORS)
c.Authenticator.admin_users = set(INSTRUCTORS)

# -- each user's own JupyterLab ---------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"      # for limits per student, use systemdspawner (see the docs)
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# *Export as HTML* draws the plotly figures, plotly.js in the page once (crm_engine/ui/chart_export.py).
c.Spawner.args = ["--HTMLExporter.preprocessors=crm_engine.ui.chart_export.PlotlyToHTML"]
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    # nbgrader calls `alembic`, students' kernels call nbgrader: the course environment comes first on PATH.
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # New workspaces in Chinese for a Chinese-speaking class (en by default).
    "CRM_LAB_LANGUAGE": os.environ.get("CRM_LAB_LANGUAGE", "en"),
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
# Idle servers hold memory (a kernel with a CRM is ~250–400 MB): cull them. Needs jupyterhub-idle-culler.
if os.environ.get("CRM_LAB_CULL_IDLE", "1") == "1":
    c.JupyterHub.services = [{"name": "idle-culler",
                              "command": [str(VENV / "bin" / "python"), "-m", "jupyterhub_idle_culler",
                                          "--timeout=3600"]}]
    c.JupyterHub.load_roles = [{"name": "idle-culler", "services": ["idle-culler"],
                                "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]
else:
    c.JupyterHub.services = []
    c.JupyterHub.load_roles = []

# -- nbgrader: the shared formgrader and the course list ------------------------------------------------
# Instructors reach the grading account's server (the course root, the gradebook) through a service
# named after the course; the group name must start with formgrade-.
c.JupyterHub.load_groups = {f"formgrade-{COURSE}": {"users": INSTRUCTORS}}
c.JupyterHub.load_roles += [
    {"name": f"formgrade-{COURSE}", "groups": [f"formgrade-{COURSE}"],
     "scopes": [f"access:services!service={COURSE}", "list:services", f"read:services!service={COURSE}"]},
    # nbgrader's course list asks the hub which services a user may reach: servers inherit their owner's rights.
    {"name": "server", "scopes": ["inherit"]},
]
c.JupyterHub.services += [{
    "name": COURSE,
    "url": os.environ.get("CRM_LAB_GRADER_URL", "http://127.0.0.1:9999"),
    "command": [str(VENV / "bin" / "jupyterhub-singleuser"), "--debug"],
    "user": GRADER,
    "cwd": f"/home/{GRADER}",
    "oauth_no_confirm": True,   # part of the hub: instructors go straight in, no "Authorize access" page first
    "environment": {"JUPYTERHUB_DEFAULT_URL": "/lab", "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                    "CRM_LAB_COURSE_ROOT": f"/home/{GRADER}/{COURSE}"},
}]

# -- a team's shared company: one CRM server per team workspace (docs/jupyterhub.md) ----------------------
# `crm-lab serve WORKSPACE --hub` runs as a managed service: the hub starts it, the proxy sends
# /services/<name>/ to it, and the hub's OAuth tells it who is asking (crm_engine/serve/hub.py). One line
# per team in the file $CRM_LAB_TEAMS: service name, workspace, port, then the hub users of the team, e.g.
#     crm-team-1  /home/grader-crm-lab/teams/team-1.crm  8701  s101 s102 s103
# Each member must also be linked to a CRM user of that workspace: `crm-lab logins link WORKSPACE HUB_NAME USERNAME`.
TEAMS = pathlib.Path(os.environ.get("CRM_LAB_TEAMS", "/srv/crm-lab/teams.txt"))


def team_workspaces(path: pathlib.Path) -> list[tuple[str, str, int, list[str]]]:
    """(service name, workspace path, port, members) per team line of the teams file (# comments skipped)."""
    if not path.exists():
        return []
    teams = []
    for line in path.read_text("utf-8").splitlines():
        fields = line.split("#")[0].split()
        if fields:
            name, workspace, port, *members = fields
            teams.append((name, workspace, int(port), members))
    return teams


TEAM_WORKSPACES = team_workspaces(TEAMS)
for name, workspace, port, members in TEAM_WORKSPACES:
    c.JupyterHub.services.append({
        "name": name,
        "url": f"http://127.0.0.1:{port}",
        "command": [str(VENV / "bin" / "python"), "-m", "crm_engine.cli", "serve", workspace,
                    "--hub", "--port", str(port)],
        "user": GRADER,                 # the account owning the team workspaces, never root
        "cwd": f"/home/{GRADER}",
        "oauth_no_confirm": True,       # part of the hub: members go straight in, no "Authorize access" page
        "environment": {"PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin"},
    })
    # Only the team (and the hub's admins, whose role has every service) may reach its CRM.
    c.JupyterHub.load_roles.append({"name": f"{name}-members", "users": members,
                                    "scopes": [f"access:services!service={name}"]})
