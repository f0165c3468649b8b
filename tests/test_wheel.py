"""The wheel is the whole courseware (issue 22): build it, install it outside the repository, use it.

The wheel is built as `python -m build` does (a source distribution first, the wheel from that), so
MANIFEST.in and setup.py's copy step are both tested. It is installed with `--no-deps` into a fresh
venv whose only link to the test environment is a .pth line naming that environment's site-packages
(for duckdb, pandas, Sphinx…): a plain path line, so the test environment's editable crm_engine is not
on it, and nothing needs the network. Every command then runs in a temporary folder with no repository
on the path.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from crm_engine import courseware

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
GENERATED = {".ipynb_checkpoints", "__pycache__"}


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CRM_LAB_THEORY", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _run(args, cwd, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True,
                            timeout=600, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _build(hook: str, source: Path, out: Path) -> Path:
    code = f"import sys; from setuptools import build_meta; print(build_meta.{hook}(sys.argv[1]))"
    name = _run([sys.executable, "-c", code, out], cwd=source).stdout.strip().splitlines()[-1]
    return out / name


def _courseware_files() -> set[str]:
    """What the wheel must carry: every file of each courseware item in the checkout, as a package path."""
    files = set()
    for item in courseware.ITEMS:
        path = ROOT / item
        found = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        files |= {"crm_engine/courseware_files/" + p.relative_to(ROOT).as_posix() for p in found
                  if not GENERATED & set(p.parts) and not p.name.endswith((".pyc", ".duckdb", ".duckdb.wal"))}
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    sdist = _build("build_sdist", ROOT, out)
    with tarfile.open(sdist) as archive:
        archive.extractall(out / "unpacked", filter="data")
    (unpacked,) = (out / "unpacked").iterdir()
    return _build("build_wheel", unpacked, out)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "crm-lab"
    _run([sys.executable, "-m", "venv", venv], cwd=venv.parent)
    purelib = _run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=venv.parent).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "crm_lab_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", "utf-8")
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel],
         cwd=venv.parent)
    return venv


def test_the_wheel_carries_the_whole_courseware(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _courseware_files()
    assert not expected - names, sorted(expected - names)[:20]
    for part in ("theory/en/", "theory/zh_CN/", "theory/quizzes/", "notebooks/instructor/", "source/a1_opportunity/",
                 "assignments/a1_opportunity/"):
        assert any(n.startswith("crm_engine/courseware_files/" + part) for n in names), part
    for single in ("nbgrader_config.py", "jupyterhub_config.py", "theory/chapters.toml", "theory/conf.py"):
        assert "crm_engine/courseware_files/" + single in names, single


def test_the_installed_wheel_works_without_the_repository(installed, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    python, crm_lab = installed / "bin" / "python", installed / "bin" / "crm-lab"
    where = _run([python, "-c", "import crm_engine; print(crm_engine.__file__)"], cwd=work).stdout.strip()
    assert where.startswith(str(installed)), where  # the wheel, not the checkout

    site = _run([crm_lab, "theory-site", "site"], cwd=work)
    assert "Theory site written" in site.stdout
    for page in ("index.html", "en/index.html", "zh_CN/index.html", "zh_CN/glossary.html"):
        assert (work / "site" / page).is_file(), page

    demo = _run([crm_lab, "demo", "ws.duckdb", "--customers", "50", "--orders", "500"], cwd=work)
    assert "(50 generated" in demo.stdout and (work / "ws.duckdb").is_file()

    _run([crm_lab, "courseware", "course", "--customers", "30"], cwd=work)
    assert (work / "course" / "notebooks" / "00_start_here.ipynb").is_file()
    assert (work / "course" / "theory" / "en" / "01_what_is_crm.md").is_file()
    assert (work / "course" / "workspace" / "demo.duckdb").is_file()

    _run([crm_lab, "courseware", "instructor", "--instructor", "--customers", "30"], cwd=work)
    for part in ("source/a1_opportunity", "assignments/README.md", "nbgrader_config.py", "notebooks/instructor"):
        assert (work / "instructor" / part).exists(), part
