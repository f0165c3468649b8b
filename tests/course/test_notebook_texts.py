"""The notebooks say what the screens and the engine do (issue #20): the audit trail shows the
call §5 of the landing notebook logs, the marketing notebook's convert step is true of the form and
shown in Python, and theory links open the theory browser, never a raw MyST file."""
from __future__ import annotations

import pathlib
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).parents[2]
NOTEBOOKS = ROOT / "notebooks"
EVERY_NOTEBOOK = sorted([*NOTEBOOKS.rglob("*.ipynb"), *(ROOT / "source").rglob("*.ipynb")])
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _cells(path, kind=None):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if kind is None or c.cell_type == kind]


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_notebook_links_a_raw_theory_file(path):
    links = [link for cell in _cells(path, "markdown") for link in MARKDOWN_LINK.findall(cell.source)]
    raw = [link for link in links if "theory/" in link and link.split("#")[0].endswith(".md")]
    assert raw == []                                         # JupyterLab shows MyST's (label)= markers as text
    for link in links:                                        # and the theory browser they point to exists
        if link.split("#")[0].endswith("theory.ipynb"):
            assert (path.parent / link.split("#")[0]).is_file(), link


def test_the_marketing_notebook_says_convert_is_disabled_until_a_follow_up_in_both_languages():
    (step,) = [c.source for c in _cells(NOTEBOOKS / "10_marketing.ipynb", "markdown")
               if c.source.startswith("## 1. Leads")]
    assert "Try converting before a follow-up" not in step
    assert "disabled" in step and "hover" in step
    assert "不可用" in step and "鼠标" in step


def _run(tmp_path, name):
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.duckdb*"))
    nb = nbformat.read(folder / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)


@pytest.mark.slow
def test_the_call_logged_in_the_landing_notebook_appears_in_the_audit_trail(tmp_path):
    nb = _run(tmp_path, "00_start_here.ipynb")
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "log_interaction(first" in c.source]
    text = _text(cell)
    assert "interaction" in text and "create" in text, text   # one audit row, the call's
    assert "Empty DataFrame" not in text


@pytest.mark.slow
def test_converting_before_a_follow_up_is_refused_in_python_and_changes_nothing(tmp_path):
    nb = _run(tmp_path, "10_marketing.ipynb")
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "li.leads.convert(lead_id)" in c.source]
    text = _text(cell)
    assert "Refused / 已拒绝" in text and text.strip().endswith("pending"), text
