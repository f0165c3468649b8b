"""The team server's page works with the network off: every request stays on 127.0.0.1 (issue #23).

A tiny Solara app (tests/browser/served_app.py) runs under uvicorn the way the team server starts:
`crm_engine.serve.assets.configure()` first. Chromium opens it with every request to another host
aborted, as on a machine without network. The second test serves the same app with Solara's own
defaults to show that this check can fail: then the page asks a CDN and stays blank. (`browser` is
tests/browser/conftest.py's Chromium, which skips outside CI, or fails in CI, when Chromium is missing.)
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from crm_engine.serve.assets import cache_dir, missing
from tests.browser.conftest import ARTIFACTS
from tests.conftest import free_port, need

pytestmark = pytest.mark.slow
HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[1]


@pytest.fixture
def serve(tmp_path):
    """start(*args) -> (base URL, log file) of served_app.py on a free port of 127.0.0.1; stopped after the test."""
    need(None if not missing() else
         f"the page assets are not in {cache_dir()}: run python -m crm_engine.serve.assets (./crmlab.sh does)")
    servers = []

    def start(*args: str) -> str:
        port = free_port()
        log = tmp_path / f"server-{port}.log"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        server = subprocess.Popen([sys.executable, str(HERE / "served_app.py"), str(port), *args], env=env,
                                  stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        servers.append(server)
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=1)
                return base, log
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.25)
        pytest.fail("the Solara app did not start: " + log.read_text()[-2000:])

    yield start
    for server in servers:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def open_offline(browser, base: str):
    """A page of `base` in Chromium with every request to another host aborted; returns (page, traffic)."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    traffic = {"requests": [], "left": [], "failed": [], "bad": []}

    def route(handle):
        if handle.request.url.startswith(base + "/"):
            handle.continue_()
        else:
            traffic["left"].append(handle.request.url)
            handle.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda request: traffic["requests"].append(request.url))
    page.on("websocket", lambda socket: traffic["requests"].append(socket.url))
    page.on("requestfailed", lambda request: request.url.startswith(base + "/")
            and traffic["failed"].append(f"{request.url} ({request.failure})"))
    page.on("response", lambda response: response.status >= 400 and traffic["bad"].append(
        f"{response.status} {response.url}"))
    page.goto(base + "/")
    return page, traffic


def _finish(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.context.close()


def test_the_served_page_works_with_the_network_off(browser, serve):
    base, _log = serve()
    page, traffic = open_offline(browser, base)
    try:
        page.get_by_text("Served offline").wait_for(timeout=60_000)
        page.get_by_role("button", name="Click me").click()
        page.get_by_text("Clicked 1").wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
    finally:
        _finish(page, "served_offline")
    print("\n".join(["requests the page made:", *traffic["requests"]]))
    assert traffic["left"] == [], "requests that left 127.0.0.1"
    assert traffic["failed"] == [] and traffic["bad"] == [], (traffic["failed"], traffic["bad"])
    # the assets came through the server's own CDN route, from the local cache
    served = [url for url in traffic["requests"] if "/_solara/cdn/" in url]
    for asset in ("@widgetti/solara-vuetify3-app@5.2.0/dist/solara-vuetify-app8.min.js",
                  "requirejs@2.3.6/require.js", "font-awesome@4.5.0/css/font-awesome.min.css"):
        assert any(url.endswith(asset) for url in served), asset


def test_without_the_local_assets_the_page_stays_blank(browser, serve):
    base, _log = serve("--no-assets")
    page, traffic = open_offline(browser, base)
    try:
        page.wait_for_timeout(15_000)
        assert not page.get_by_text("Served offline").is_visible()
    finally:
        _finish(page, "served_without_assets")
    assert any("solara-vuetify3-app" in url for url in traffic["left"]), traffic["left"]


def test_a_page_asset_missing_from_the_cache_is_refused_at_once_without_asking_anyone(serve):
    base, log = serve()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/_solara/cdn/katex@0.16.9/dist/katex.min.js", timeout=30)
    assert refused.value.code == 404
    with urllib.request.urlopen(f"{base}/_solara/cdn/requirejs@2.3.6/require.js", timeout=30) as served:
        assert b"requirejs" in served.read(2000).lower()
    text = log.read_text()
    assert "katex@0.16.9/dist/katex.min.js is not in" in text and "Could not load URL" not in text
