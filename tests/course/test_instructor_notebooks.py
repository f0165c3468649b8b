"""The instructor notebooks run top to bottom in a fresh kernel, headless, without error — in a
temporary copy of their folder, at a small size (CRM_LAB_NOTEBOOK_SIZE), like tests/course/test_notebooks.py."""
import os
import pathlib
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

FOLDER = pathlib.Path(__file__).parents[2] / "notebooks" / "instructor"


def run(name: str, tmp_path) -> tuple[pathlib.Path, nbformat.NotebookNode]:
    folder = tmp_path / "instructor"
    shutil.copytree(FOLDER, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "workspaces", "*.duckdb"))
    notebook = nbformat.read(folder / name, as_version=4)
    os.environ["CRM_LAB_NOTEBOOK_SIZE"] = "120"   # the kernel inherits it
    try:
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        os.environ.pop("CRM_LAB_NOTEBOOK_SIZE", None)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    return folder, notebook


@pytest.mark.parametrize("name", sorted(p.name for p in FOLDER.glob("*.ipynb")))
def test_instructor_notebook_runs_headless(name, tmp_path):
    folder, notebook = run(name, tmp_path)
    text = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    if name.startswith("01_"):      # mistakes explained in both languages; the scenario saved
        assert "must map codes to shares" in text and "映射" in text
        assert (folder / "bike_distributor.toml").exists()
    if name.startswith("02_"):      # one workspace per student of the class list
        made = sorted(p.name for p in (folder / "workspaces").glob("*.duckdb"))
        assert made == ["20260101.duckdb", "20260102.duckdb", "20260103.duckdb", "20260104.duckdb"]
        assert text.count("first customer:") == 4
    if name.startswith("03_"):      # an imported company continued; a copy per student
        assert "customers stopped ordering" in text and "已停止订货" in text
        made = sorted(p.name for p in (folder / "workspaces" / "class").glob("*.duckdb"))
        assert made == ["20260101.duckdb", "20260102.duckdb"]
        assert text.count("first week") == 2
