"""`crm-lab course init`: a course root with a working exchange, written into nbgrader_config.py, its
permissions checked as root and as a normal user; `course release` refuses a course without one."""
from __future__ import annotations

import os
import pathlib
import stat
import subprocess
import sys
import tempfile

import pytest
from click.testing import CliRunner

from crm_engine import CRMError
from crm_engine.course import instructor as course_admin
from crm_engine.cli import course as group

REPO = pathlib.Path(__file__).parents[2]
NBGRADER_DEFAULT = pathlib.Path("/usr/local/share/nbgrader/exchange")


def test_init_makes_a_course_local_exchange_and_says_so(tmp_path):
    root = tmp_path / "course"
    said = CliRunner().invoke(group, ["init", str(root)])
    assert said.exit_code == 0, said.output
    exchange = root / "exchange"
    assert exchange.is_dir() and stat.S_IMODE(exchange.stat().st_mode) & 0o777 == 0o777
    assert (root / "source" / "a1_opportunity").is_dir()
    assert course_admin.exchange_root(root) == exchange
    assert f"nbgrader_config.py: c.Exchange.root = {str(exchange)!r}" in said.output
    assert f"Created the exchange {exchange}." in said.output
    # again, with the hub's shared folder: the one line is rewritten, not added twice
    shared = tmp_path / "srv" / "nbgrader" / "exchange"
    again = CliRunner().invoke(group, ["init", str(root), "--exchange", str(shared)])
    assert again.exit_code == 0, again.output
    assert course_admin.exchange_root(root) == shared
    assert (root / "nbgrader_config.py").read_text("utf-8").count("c.Exchange.root") == 1


def test_release_without_an_exchange_is_refused_and_creates_nothing(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text("utf-8"), "utf-8")
    existed = NBGRADER_DEFAULT.exists()
    with pytest.raises(CRMError) as refused:
        course_admin.release("a1_opportunity", root=root)
    assert "Run `crm-lab course init` there first" in refused.value.message("en")
    assert NBGRADER_DEFAULT.exists() == existed
    assert not (root / "release").exists()
    shown = CliRunner().invoke(group, ["release", "a1_opportunity", "--root", str(root)])
    assert shown.exit_code != 0 and "crm-lab course init" in shown.output and "Traceback" not in shown.output


def test_the_repositorys_config_names_the_exchange_setting():
    text = (REPO / "nbgrader_config.py").read_text("utf-8")
    assert "Exchange.root" in text and "crm-lab course init" in text


# A normal user cannot reach this venv's interpreter (it lives under /root); the system Python of the same
# version, with the venv's packages on its path, runs the same code as that user.
SYSTEM_PYTHON = pathlib.Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
SITE = next((p for p in sys.path if p.endswith("site-packages") and ".venv" in p), None)


@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() != 0 or not SYSTEM_PYTHON.exists() or not SITE,
                    reason="needs root (to act as another user) and a system Python like this one")
def test_as_a_normal_user_init_works_in_their_folder_and_names_an_exchange_they_cannot_write(tmp_path):
    base = pathlib.Path(tempfile.mkdtemp(prefix="crm-init-"))
    try:
        base.chmod(0o755)
        locked = base / "locked-exchange"          # root's, not writable by others
        locked.mkdir(mode=0o755)
        home = base / "teacher"
        home.mkdir()
        os.chown(home, 65534, 65534)               # nobody's own folder
        script = ("import sys; from crm_engine import course_admin, CRMError\n"
                  "try:\n    print('\\n'.join(course_admin.init(sys.argv[1], exchange=sys.argv[2] or None)))\n"
                  "except CRMError as e:\n    print('REFUSED', e.message('en')); sys.exit(3)\n")
        env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{SITE}", "HOME": str(home)}

        def as_nobody(*args):
            return subprocess.run([str(SYSTEM_PYTHON), "-c", script, *args], env=env, capture_output=True, text=True,
                                  user=65534, group=65534, cwd=str(home))
        mine = as_nobody(str(home / "course"), "")
        assert mine.returncode == 0, mine.stderr
        assert "Checked: nobody can write the exchange and the course root." in mine.stdout
        theirs = as_nobody(str(home / "course"), str(locked))
        assert theirs.returncode == 3, theirs.stderr
        assert f"REFUSED Cannot write to {locked}" in theirs.stdout
    finally:
        subprocess.run(["rm", "-rf", str(base)])
