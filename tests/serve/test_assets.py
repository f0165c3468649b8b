"""The page assets: fetched by pinned version and integrity, unpacked atomically, never outside their folder.

Every test here fetches from a registry on 127.0.0.1 (an `http.server` over a folder of tarballs built in
the test, named by `npm_config_registry`): no network.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
import pathlib
import re
import tarfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.serve.conftest import run_async

from crm_engine.errors import CRMError
from crm_engine.serve import assets
from crm_engine.serve.assets import ASSETS, Asset, configure, ensure, missing


def tarball(entries) -> bytes:
    """A gzipped tar of [(name, text) | (name, TarInfo type, linkname)]: npm's layout unless a test says otherwise."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry[0])
            if len(entry) == 3:
                info.type, info.linkname = entry[1], entry[2]
                tar.addfile(info)
            else:
                data = entry[1].encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class Registry:
    """A folder of tarballs in npm's layout, served on 127.0.0.1; counts the downloads."""

    def __init__(self, root: pathlib.Path):
        self.root, self.downloads = root, []
        registry = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self):
                registry.downloads.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def publish(self, name: str, version: str, data: bytes, files=("index.js",), pinned: bytes | None = None) -> Asset:
        """Put `data` where npm keeps name@version; the Asset pins the integrity of `pinned` (default: of `data`)."""
        asset = Asset(name, version, integrity(data if pinned is None else pinned), tuple(files))
        path = self.root / asset.tarball("/").lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return asset


@pytest.fixture
def registry(tmp_path, monkeypatch):
    served = Registry(tmp_path / "registry")
    monkeypatch.setenv("npm_config_registry", served.url)
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def test_ensure_installs_each_package_in_its_folder_and_then_nothing_is_missing(registry, cache):
    scoped = registry.publish("@team/app", "1.2.3", tarball([("package/dist/app.js", "app"),
                                                             ("package/dist/app.css", "css")]),
                              files=("dist/app.js", "dist/app.css"))
    plain = registry.publish("lib", "2.0.0", tarball([("package/index.js", "lib")]))
    said = []
    assert missing(cache, (scoped, plain)) == [scoped, plain]
    ensure(progress=said.append, cache=cache, assets=(scoped, plain))
    assert missing(cache, (scoped, plain)) == []
    assert (cache / "@team" / "app@1.2.3" / "dist" / "app.js").read_text() == "app"
    assert (cache / "lib@2.0.0" / "index.js").read_text() == "lib"
    assert any("@team/app@1.2.3" in line for line in said)
    assert not list(cache.rglob(".partial-*"))
    # a second run is quick and quiet: nothing is downloaded again
    downloads, said = len(registry.downloads), []
    ensure(progress=said.append, cache=cache, assets=(scoped, plain))
    assert len(registry.downloads) == downloads == 2 and said == []


def test_a_package_whose_files_were_deleted_is_fetched_again(registry, cache):
    asset = registry.publish("lib", "2.0.0", tarball([("package/index.js", "lib")]))
    ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    (cache / "lib@2.0.0" / "index.js").unlink()
    assert missing(cache, (asset,)) == [asset]
    ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert (cache / "lib@2.0.0" / "index.js").read_text() == "lib"


def test_a_tarball_that_does_not_match_its_integrity_is_refused_and_nothing_is_installed(registry, cache):
    genuine = tarball([("package/index.js", "the real thing")])
    asset = registry.publish("lib", "2.0.0", tarball([("package/index.js", "something else")]), pinned=genuine)
    with pytest.raises(CRMError) as refused:
        ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert refused.value.key == "serve.assets.integrity"
    assert "lib@2.0.0" in str(refused.value) and "lib@2.0.0" in refused.value.message("zh_CN")
    assert not list(cache.rglob("index.js")) and not list(cache.rglob(".partial-*"))
    assert not (cache / "lib@2.0.0").exists() and missing(cache, (asset,)) == [asset]


def test_a_file_that_is_no_package_archive_is_refused(registry, cache):
    asset = registry.publish("lib", "2.0.0", b"<html>a proxy's error page</html>")
    with pytest.raises(CRMError) as refused:
        ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert refused.value.key == "serve.assets.broken" and "lib@2.0.0" in str(refused.value)
    assert not (cache / "lib@2.0.0").exists() and not list(cache.rglob(".partial-*"))


@pytest.mark.parametrize("entries", [
    [("package/index.js", "ok"), ("package/../../escaped.txt", "evil")],
    [("package/index.js", "ok"), ("/tmp/escaped.txt", "evil")],
    [("package/index.js", "ok"), ("package/link", tarfile.SYMTYPE, "../../escaped.txt")],
    [("package/index.js", "ok"), ("package/link", tarfile.SYMTYPE, "/etc/passwd")],
    [("package/index.js", "ok"), ("package/hard", tarfile.LNKTYPE, "../escaped.txt")],
    [("package/index.js", "ok"), ("package/device", tarfile.CHRTYPE, "")],
], ids=["dot-dot", "absolute", "symlink-out", "symlink-absolute", "hardlink-out", "device"])
def test_an_entry_that_would_land_outside_the_package_folder_is_refused(registry, cache, tmp_path, entries):
    asset = registry.publish("lib", "2.0.0", tarball(entries))
    with pytest.raises(CRMError) as refused:
        ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert refused.value.key == "serve.assets.unsafe" and "lib@2.0.0" in str(refused.value)
    assert not (cache / "lib@2.0.0").exists() and not list(cache.rglob(".partial-*"))
    assert not list(tmp_path.rglob("escaped.txt")) and not pathlib.Path("/tmp/escaped.txt").exists()


def test_a_link_inside_the_package_is_kept(registry, cache):
    asset = registry.publish("lib", "2.0.0", tarball([("package/index.js", "ok"),
                                                      ("package/alias.js", tarfile.SYMTYPE, "index.js")]))
    ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert (cache / "lib@2.0.0" / "alias.js").read_text() == "ok"


def test_an_install_interrupted_while_unpacking_leaves_no_folder(registry, cache, monkeypatch):
    asset = registry.publish("lib", "2.0.0", tarball([("package/a.js", "a"), ("package/b.js", "b"),
                                                      ("package/index.js", "i")]))
    real_extract, calls = tarfile.TarFile.extract, []

    def extract_then_die(self, member, *args, **kwargs):
        calls.append(member.name)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user pressed Ctrl-C (or the machine went down) half-way
        return real_extract(self, member, *args, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "extract", extract_then_die)
    with pytest.raises(KeyboardInterrupt):
        ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert not (cache / "lib@2.0.0").exists() and not list(cache.rglob(".partial-*"))
    monkeypatch.setattr(tarfile.TarFile, "extract", real_extract)
    ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert missing(cache, (asset,)) == []


def test_a_folder_a_killed_download_left_behind_is_cleaned_up_later(registry, cache):
    stale = cache / ".partial-old"
    (stale / "package").mkdir(parents=True)
    os.utime(stale, (0, 0))
    asset = registry.publish("lib", "2.0.0", tarball([("package/index.js", "i")]))
    ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert not stale.exists()


def test_a_download_that_fails_names_the_package(registry, cache):
    asset = Asset("not-published", "1.0.0", integrity(b"x"), ("index.js",))
    with pytest.raises(CRMError) as refused:
        ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert refused.value.key == "serve.assets.download"
    assert "not-published@1.0.0" in str(refused.value) and registry.url in str(refused.value)
    assert "not-published@1.0.0" in refused.value.message("zh_CN")
    assert missing(cache, (asset,)) == [asset]


def test_a_package_without_the_files_the_page_needs_is_refused(registry, cache):
    asset = registry.publish("lib", "2.0.0", tarball([("package/other.js", "o")]), files=("index.js",))
    with pytest.raises(CRMError) as refused:
        ensure(progress=lambda _: None, cache=cache, assets=(asset,))
    assert refused.value.key == "serve.assets.incomplete" and "index.js" in str(refused.value)
    assert not (cache / "lib@2.0.0").exists()


def test_configure_refuses_to_start_without_the_assets_and_changes_nothing(cache, monkeypatch):
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", "")
    monkeypatch.delenv("SOLARA_ASSETS_PROXY_CACHE_DIR")
    with pytest.raises(CRMError) as refused:
        configure(cache)
    assert refused.value.key == "serve.assets.missing"
    assert "@widgetti/solara-vuetify3-app@5.2.0" in str(refused.value) and str(cache) in str(refused.value)
    assert "SOLARA_ASSETS_PROXY_CACHE_DIR" not in os.environ


def test_configure_points_solara_at_the_cache_with_no_way_to_the_network(cache, monkeypatch):
    import solara.server.settings
    import solara.settings

    for asset in ASSETS:
        for file in asset.files:
            (asset.folder(cache) / file).parent.mkdir(parents=True, exist_ok=True)
            (asset.folder(cache) / file).write_text("")
    # tests/serve/conftest.py undoes what configure() sets, after this test (the next test checks it)
    assert configure(cache) == cache
    assert os.environ["SOLARA_ASSETS_PROXY"] == "true" and os.environ["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(cache)
    assert os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert solara.settings.assets.proxy is True and solara.server.settings.assets.proxy_cache_dir == cache
    assert solara.server.settings.telemetry.mixpanel_enable is False
    assert solara.server.settings.theme.show_banner is False     # no "runs on Solara" over the menu
    # a file missing from the cache is asked of a closed port on this machine, never of the internet
    assert re.match(r"http://127\.0\.0\.1:\d+/", solara.settings.assets.cdn)

    # the server app is built from these settings; a second app in the same process may configure again
    import solara.server.starlette
    assert configure(cache) == cache
    assert any(getattr(route, "path", None) == "/_solara/cdn" for route in solara.server.starlette.routes)
    # but Solara imported with the proxy off has no route to serve the assets from: that is refused
    monkeypatch.setattr(solara.server.starlette, "routes", [route for route in solara.server.starlette.routes
                                                            if getattr(route, "path", None) != "/_solara/cdn"])
    with pytest.raises(RuntimeError, match="before solara.server.starlette is imported"):
        configure(cache)


def test_the_pinned_packages_are_the_ones_solaras_page_template_loads():
    """A solara upgrade that moves to other versions or files fails here, not on a student's blank page."""
    import solara.server.settings

    template = (pathlib.Path(solara.__file__).parent / "server" / "templates" / "solara.html.j2").read_text()
    template = template.replace("{{ipywidget_major_version}}", "8")  # the screens' ipywidgets
    loaded = set(re.findall(r"\{\{cdn\}\}/((?:@[\w-]+/)?[\w.-]+@\d+\.\d+\.\d+)/([\w./-]+)", template))
    loaded.add(tuple(solara.server.settings.assets.fontawesome_path.strip("/").split("/", 1)))
    # the Vue 2 app is the template's other branch; ipyvue 3 (the screens' stack) takes the Vue 3 one
    loaded = {(label, file) for label, file in loaded if label != "@widgetti/solara-vuetify-app@10.1.1"}
    pinned = {asset.label: asset.files for asset in ASSETS}
    assert {label for label, _ in loaded} == set(pinned)
    assert [f"{label}/{file}" for label, file in sorted(loaded) if file not in pinned[label]] == []


def test_configure_leaves_no_trace_in_the_other_tests():
    """The test above ran configure(); its environment must not reach the rest of the suite."""
    assert os.environ.get("SOLARA_ASSETS_CDN") != assets.NO_CDN


def test_check_says_what_is_missing(cache, monkeypatch, capsys):
    monkeypatch.setenv("CRM_LAB_ASSETS", str(cache))
    assert assets.main(["--check"]) == 1
    assert "requirejs@2.3.6" in capsys.readouterr().err


def call(app, path: str) -> tuple[int, bytes]:
    """One HTTP request through an ASGI app, with the path exactly as given (no client normalising it)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    run_async(app({"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""},
                    receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_only_local_answers_a_page_asset_missing_from_the_cache_itself(cache, tmp_path):
    (cache / "lib@2.0.0").mkdir(parents=True)
    (cache / "lib@2.0.0" / "index.js").write_text("lib")
    (tmp_path / "secret.txt").write_text("not an asset")
    asked = []

    async def solara_app(scope, receive, send):
        asked.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"from solara"})

    app = assets.only_local(solara_app, cache)
    assert call(app, "/_solara/cdn/lib@2.0.0/index.js") == (200, b"from solara")
    assert call(app, "/prefix/_solara/cdn/lib@2.0.0/index.js")[0] == 200  # served under a hub's prefix
    assert call(app, "/") == (200, b"from solara")
    for missing_path in ("/_solara/cdn/lib@2.0.0/other.js", "/_solara/cdn/katex@0.16.9/dist/katex.min.js",
                         "/_solara/cdn/lib@2.0.0", "/_solara/cdn/../secret.txt",
                         "/_solara/cdn/lib@2.0.0/../../secret.txt"):
        assert call(app, missing_path)[0] == 404, missing_path
    assert asked == ["/_solara/cdn/lib@2.0.0/index.js", "/prefix/_solara/cdn/lib@2.0.0/index.js", "/"]
