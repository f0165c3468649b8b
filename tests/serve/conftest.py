"""Every served-workspace test leaves Solara's configuration as it found it: `server.make_app` runs
`assets.configure()`, which sets environment variables and Solara's live settings for the whole
process (tests/serve/test_assets.py checks that none of it reaches the rest of the suite)."""
from __future__ import annotations

import os

import pytest

VARIABLES = ("SOLARA_ASSETS_PROXY", "SOLARA_ASSETS_PROXY_CACHE_DIR", "SOLARA_ASSETS_CDN",
             "SOLARA_TELEMETRY_MIXPANEL_ENABLE", "SOLARA_MODE", "SOLARA_THEME_SHOW_BANNER")


@pytest.fixture(autouse=True)
def solara_configuration_undone(monkeypatch):
    import solara.server.settings
    import solara.settings
    for name in VARIABLES:
        # setenv first: monkeypatch then remembers a variable that was absent, and removes it again
        monkeypatch.setenv(name, os.environ.get(name, ""))
        if not os.environ[name]:
            monkeypatch.delenv(name)
    for owner, name in ((solara.settings.assets, "proxy"), (solara.settings.assets, "cdn"),
                        (solara.server.settings.assets, "proxy_cache_dir"),
                        (solara.server.settings.telemetry, "mixpanel_enable"), (solara.server.settings.main, "mode"),
                        (solara.server.settings.theme, "show_banner")):
        monkeypatch.setattr(owner, name, getattr(owner, name))


def run_async(coroutine):
    """`asyncio.run(coroutine)` on a thread of its own: in the whole suite the browser tests' Playwright
    keeps an event loop running on the main thread, where `asyncio.run` refuses to start."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
