"""Real-browser fixtures: JupyterLab on loopback, driven by Debian's Chromium through Playwright.

Recipe from STACK_NOTES: no `playwright install` (Chromium comes from apt, installed by
`./crmlab.sh test` when missing); JupyterLab gets its own config/data/runtime dirs.
Outside CI a missing Chromium skips these tests, saying why; in CI it fails them.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time
import uuid
import urllib.request

import pytest

from tests.conftest import free_port, need

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = pathlib.Path(__file__).parents[2] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
TOKEN = "crm-lab-browser-test"


def _require_chromium():
    need(None if os.path.exists(CHROMIUM) else
         "Chromium is not installed (apt-get install chromium); ./crmlab.sh test installs it where it can")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 whose root holds a copy of notebooks/ (yields its base URL and root)."""
    _require_chromium()
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(pathlib.Path(__file__).parents[2] / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = tmp_path_factory.mktemp("jupyter-home")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    # The kernel must be this interpreter (the project's venv), whatever `python` is on PATH.
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(home / "prefix"), "--name", "python3"],
                   check=True, env=env, capture_output=True)
    env["JUPYTER_PATH"] = str(home / "prefix" / "share" / "jupyter")
    # No "would you like news?" toast over the screenshots.
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    # Render every cell (JupyterLab 4 virtualises off-screen cells, whose text then reads as empty).
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={TOKEN}",
         "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / "server.log", "w"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start: " + (home / "server.log").read_text()[-2000:])
    yield {"url": base, "token": TOKEN, "root": root}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


# `browser` (one Chromium for the whole session) is in tests/conftest.py: the hub test uses it too.


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def open_notebook(page, lab, path: str) -> None:
    """Open a notebook in JupyterLab, in a workspace of its own, and wait until its kernel is idle.

    A workspace of its own: JupyterLab otherwise restores the tabs an earlier test left open, and
    their notebooks would compete for "the current notebook" and for the CPU.
    """
    workspace = "test-" + uuid.uuid4().hex[:12]
    page.goto(f"{lab['url']}/lab/workspaces/{workspace}/tree/{path}?token={lab['token']}")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)


# Where Run All has got to, read off the notebook's model (not the page: the kernel indicator also
# goes busy while a new kernel starts, and a "[ ]" prompt says nothing about queued cells).
PROGRESS = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const model = panel && panel.content && panel.content.model;
    if (!model) return null;
    let code = 0, counted = 0, running = 0, failed = false;
    for (let i = 0; i < model.cells.length; i++) {
        const cell = model.cells.get(i);
        if (cell.type !== 'code') continue;
        code += 1;
        if (cell.executionState === 'running') running += 1;
        else if (cell.executionCount !== null) counted += 1;
        for (let j = 0; j < cell.outputs.length; j++) failed = failed || cell.outputs.get(j).type === 'error';
    }
    return {code, counted, running, failed};
}"""


# The notebook is open, its kernel connected and idle: only then does Run All reach the kernel
# (sent earlier, JupyterLab drops it without a word).
READY = """path => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!panel || !panel.context || panel.context.path !== path) return false;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!(panel && panel.content && panel.content.model && panel.context.isReady && kernel
              && kernel.connectionStatus === 'connected' && kernel.status === 'idle');
}"""


def run_all(page, path: str, timeout: float = 300_000) -> None:
    """Run → Run All Cells, and wait until every code cell has run (or one has raised).

    A command sent while a new kernel is still connecting is dropped: then no cell is queued,
    and Run All is sent again. Once any cell is queued or has run it is never sent again, so a
    notebook is never run twice.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_function(READY, arg=path, timeout=120_000, polling=250)
    started = f"() => {{ const p = ({PROGRESS})(); return p !== null && (p.running > 0 || p.counted > 0); }}"
    for _attempt in range(5):
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_function(started, timeout=20_000, polling=200)
            break
        except PlaywrightTimeout:
            continue
    else:
        raise AssertionError("Run All never started executing the notebook")
    finished = f"() => {{ const p = ({PROGRESS})(); return p.running === 0 && (p.failed || p.counted === p.code); }}"
    page.wait_for_function(finished, timeout=timeout, polling=250)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
