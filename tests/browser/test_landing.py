"""The landing notebook in a real JupyterLab, in headless Chromium: Run All, read what a student sees."""
from tests.browser.conftest import open_notebook, run_all


def test_landing_notebook_runs_in_jupyterlab(page, lab):
    open_notebook(page, lab, "notebooks/00_start_here.ipynb")
    run_all(page, "notebooks/00_start_here.ipynb")
    # wait for the output (the cell's source holds the same words)
    page.wait_for_selector(".jp-OutputArea-output:has-text('Refused / 已拒绝：Customer')", timeout=30_000)
    outputs = page.locator(".jp-OutputArea-output")
    text = "\n".join(outputs.all_text_contents())
    assert "Star Computer Distribution Co." in text          # the demo workspace was built and opened
    assert "名称不能为空" in text                               # a refusal, in Chinese, not a traceback
    assert page.locator(".jp-OutputArea-output table").count() >= 3   # DataFrames rendered as tables
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert "Traceback" not in text
    assert (lab["root"] / "workspace" / "demo.duckdb").exists()
