"""notebooks/theory.ipynb runs headless, top to bottom, in a kernel of this very interpreter.

The kernel is started from a kernelspec written for the test (`sys.executable -m
ipykernel_launcher`), so a `python3` kernelspec elsewhere on the machine that points to
another Python (without crm_engine) cannot make the test pass or fail by accident.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from crm_engine import theory

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
KERNEL = "crm-lab-test-python"


@pytest.fixture
def kernel_manager(tmp_path) -> KernelManager:
    spec = tmp_path / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "CRM Lab test kernel", "language": "python"}), "utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    return KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def test_theory_notebook_runs_headless_and_shows_the_browser(tmp_path, kernel_manager):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(NOTEBOOKS / "theory.ipynb", folder)
    notebook = nbformat.read(folder / "theory.ipynb", as_version=4)
    NotebookClient(notebook, km=kernel_manager, timeout=180,
                   resources={"metadata": {"path": str(folder)}}).execute()

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    widgets_shown = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets_shown, "the theory browser is displayed"
    text = "".join(o.get("text", "") for o in outputs)
    assert "3 → Check(correct=True, valid=True)" in text
    assert "4 → Check(correct=False, valid=True)" in text
    table = next(o["data"]["text/plain"] for o in outputs if "text/html" in o.get("data", {}))
    for c in theory.chapters():
        assert c.title("zh_CN") in table
