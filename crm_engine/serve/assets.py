"""The page assets of the team server, fetched once at setup and served from this machine.

Solara's page template loads its Vue/Vuetify app bundle, require.js and Font Awesome from a CDN:
without network the served page stays blank. With Solara's asset proxy on, those URLs point at the
server's own `/_solara/cdn/<package>@<version>/<file>` route, which serves files from a cache folder.
This module fills that folder from the npm registry, by pinned name, version and sha512 integrity (the
same trust as a lock file), and `configure()` points Solara at it before the server starts, so serving
never downloads anything::

    python -m crm_engine.serve.assets           # fetch what is missing (./crmlab.sh does this)
    python -m crm_engine.serve.assets --check   # only say whether everything is there

The folder is `<sys.prefix>/share/crm-lab/solara-cdn` (inside the virtual environment, like the
packages), or `$CRM_LAB_ASSETS`. A package is unpacked into a temporary folder beside its place and
moved there in one rename, so a killed download never leaves a half-built package behind.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import logging
import os
import posixpath
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from crm_engine.errors import CRMError
from crm_engine.i18n import translate

# The registry `npm` itself uses unless the environment names another (npm_config_registry, as npm reads it).
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
# Where Solara would fetch a file that is not in the cache: a closed port on loopback, so a miss is refused
# on this machine (a 404 after Solara's retries) instead of reaching, or waiting for, the network.
NO_CDN = "http://127.0.0.1:9/crm-lab-has-no-cdn/"
TIMEOUT = 60  # seconds per download; the largest package is a few MB
CDN_ROUTE = "/_solara/cdn/"  # where Solara's page asks for them (solara.server.cdn_helper.cdn_url_path)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asset:
    """One npm package the page loads: pinned by version and by the registry's sha512 integrity."""

    name: str
    version: str
    integrity: str
    # the files of it that Solara 1.64.1's page template asks for (ipywidgets 8): checked after unpacking
    files: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def folder(self, cache: Path) -> Path:
        """Where Solara's `/_solara/cdn/` route looks for this package's files."""
        return cache.joinpath(*self.label.split("/"))

    def tarball(self, registry: str) -> str:
        # npm's layout: <registry>/<name>/-/<name without scope>-<version>.tgz
        return f"{registry.rstrip('/')}/{self.name}/-/{self.name.split('/')[-1]}-{self.version}.tgz"


# The versions solara 1.64.1's template (solara/server/templates/solara.html.j2) and its settings name;
# a solara upgrade that changes them needs a new row here (tests/serve/test_assets.py checks the template).
ASSETS = (
    Asset("@widgetti/solara-vuetify3-app", "5.2.0",
          "sha512-9UMyjf9KASR9PucZ7848upx1gqOqlUnG5Hh5or5CTaN/Um+AxAHQGwv8x4fFJzco/OaccsWdtsqb3bmYAnBo+Q==",
          ("dist/main8.css", "dist/fonts.css", "dist/solara-vuetify-app8.min.js", "dist/solara-vuetify-app8.js")),
    Asset("requirejs", "2.3.6",
          "sha512-ipEzlWQe6RK3jkzikgCupiTbTvm4S0/CAU5GlgptkN5SO6F3u0UD0K18wy6ErDqiCyP4J4YYe1HuAShvsxePLg==",
          ("require.js",)),
    Asset("font-awesome", "4.5.0",
          "sha512-XGGY8CN/NT8e5fKOC/K7CESNQ3+2oYOfZqwZcKgEMtcmTiHtFIH+XZWRoU0HtcdwhtSkpWXLfTIUlTdJ4PhX8A==",
          ("css/font-awesome.min.css", "fonts/fontawesome-webfont.woff2")),
)


def cache_dir() -> Path:
    """The folder the assets live in: `$CRM_LAB_ASSETS`, else `<sys.prefix>/share/crm-lab/solara-cdn`."""
    configured = os.environ.get("CRM_LAB_ASSETS")
    return Path(configured) if configured else Path(sys.prefix) / "share" / "crm-lab" / "solara-cdn"


def registry() -> str:
    """The npm registry to fetch from: the one npm is configured with in the environment, else npm's default."""
    return os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY


def missing(cache: Path | None = None, assets=ASSETS) -> list[Asset]:
    """The assets not (completely) in the cache folder; empty when the server can start offline."""
    folder = Path(cache) if cache is not None else cache_dir()
    return [asset for asset in assets
            if not all((asset.folder(folder) / file).is_file() for file in asset.files)]


def ensure(progress=print, cache: Path | None = None, assets=ASSETS, timeout: float = TIMEOUT) -> Path:
    """Download, verify and unpack every missing asset; quick and silent when all are there.

    Raises CRMError naming the package when one cannot be fetched, does not match its pinned
    integrity or holds an entry that would land outside its folder; nothing of that package is
    installed then (the ones before it stay, they are complete).
    """
    folder = Path(cache) if cache is not None else cache_dir()
    todo = missing(folder, assets)
    if not todo:
        return folder
    _remove_stale_partials(folder)
    source = registry()
    for asset in todo:
        url = asset.tarball(source)
        progress(translate("serve.assets.fetching", package=asset.label))
        data = _download(asset, url, timeout)
        _verify(asset, url, data)  # before a single byte of it is unpacked
        _install(asset, data, folder)
    progress(translate("serve.assets.ready", folder=str(folder)))
    return folder


def configure(cache: Path | None = None) -> Path:
    """Point Solara's server at the local assets, with telemetry off; call before solara.server.starlette is imported.

    Calling it again (a second app in one process) is fine.

    Raises CRMError (naming the missing packages and how to fetch them) when an asset is missing:
    the server then refuses to start rather than serve a blank page or reach for the network.
    """
    folder = Path(cache) if cache is not None else cache_dir()
    gone = missing(folder)
    if gone:
        raise CRMError("serve.assets.missing", packages=", ".join(a.label for a in gone), folder=str(folder))
    server = sys.modules.get("solara.server.starlette")
    if server is not None and not any(getattr(route, "path", None) == CDN_ROUTE.rstrip("/") for route in server.routes):
        # Solara builds its routes at import: imported with the proxy off, it has no /_solara/cdn/ route
        # to serve the assets from. (Imported with it on, a second configure() is fine: the route reads
        # the cache folder from the settings at each request.)
        raise RuntimeError("crm_engine.serve.assets.configure() must run before solara.server.starlette is imported")
    os.environ.update({
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(folder),
        "SOLARA_ASSETS_CDN": NO_CDN,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        # outside production mode the page embeds a "did it install?" frame from Solara's website
        "SOLARA_MODE": "production",
        # "This website runs on Solara" would sit over the CRM's menu on every page
        "SOLARA_THEME_SHOW_BANNER": "false",
    })
    # `import solara` (the screens import it) has already read the environment into its settings
    # objects; set those too, so the order of imports does not matter.
    settings = sys.modules.get("solara.settings")
    if settings is not None:
        settings.assets.proxy = True
        settings.assets.cdn = NO_CDN
    server_settings = sys.modules.get("solara.server.settings")
    if server_settings is not None:
        server_settings.assets.proxy_cache_dir = folder
        server_settings.telemetry.mixpanel_enable = False
        server_settings.main.mode = "production"
        server_settings.theme.show_banner = False
    return folder


def only_local(app, cache: Path | None = None):
    """Wrap an ASGI app (Solara's): a `/_solara/cdn/` file that is not in the cache is a 404 at once.

    Without it Solara would ask `NO_CDN` for the file, retrying for seconds before its own 404.
    The miss is logged with the file's name; nothing else changes.
    """
    folder = (Path(cache) if cache is not None else cache_dir()).resolve()

    async def guarded(scope, receive, send):
        if scope["type"] == "http":
            _, found, wanted = scope["path"].partition(CDN_ROUTE)
            if found and not _cached(folder, wanted):
                log.warning("page asset %s is not in %s (python -m crm_engine.serve.assets)", wanted, folder)
                await send({"type": "http.response.start", "status": 404,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"Not in the local page assets"})
                return
        await app(scope, receive, send)

    return guarded


def _cached(folder: Path, wanted: str) -> bool:
    path = (folder / wanted).resolve()
    return path.is_relative_to(folder) and path.is_file()


def _download(asset: Asset, url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "crm-lab"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        detail = getattr(error, "reason", None) or error
        raise CRMError("serve.assets.download", package=asset.label, url=url, detail=str(detail)) from None


def _verify(asset: Asset, url: str, data: bytes) -> None:
    algorithm, _, expected = asset.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if not hmac.compare_digest(actual, expected):
        raise CRMError("serve.assets.integrity", package=asset.label, url=url)


def _escapes(name: str) -> bool:
    """Whether an archive path is absolute or climbs out (`..`): it would land outside wherever it is unpacked."""
    return posixpath.isabs(name) or "\\" in name or ".." in name.split("/")


def _unsafe_member(member: tarfile.TarInfo, top: str) -> bool:
    """Whether an archive entry lands (or points) outside the package's folder, or is not a file, folder or link."""
    def outside(path: str) -> bool:
        normal = posixpath.normpath(path)
        return posixpath.isabs(path) or normal == ".." or normal.startswith("../") or normal.split("/")[0] != top

    if member.issym():
        return posixpath.isabs(member.linkname) or outside(posixpath.join(posixpath.dirname(member.name),
                                                                          member.linkname))
    if member.islnk():
        return outside(member.linkname)
    return not (member.isfile() or member.isdir())


def _members(asset: Asset, tar: tarfile.TarFile) -> tuple[str, list[tarfile.TarInfo]]:
    """The archive's one top folder (npm's `package/`) and its entries, all checked before anything is written."""
    members = tar.getmembers()
    for member in members:
        if _escapes(member.name):
            raise CRMError("serve.assets.unsafe", package=asset.label, member=member.name)
    tops = {posixpath.normpath(m.name).split("/")[0] for m in members}
    if len(tops) != 1:
        raise CRMError("serve.assets.broken", package=asset.label)
    top = tops.pop()
    for member in members:
        if _unsafe_member(member, top):
            raise CRMError("serve.assets.unsafe", package=asset.label, member=member.name)
    return top, members


def _install(asset: Asset, data: bytes, cache: Path) -> None:
    target = asset.folder(cache)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=target.parent))
    try:
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
                top, members = _members(asset, tar)
                for member in members:
                    # the "data" filter refuses what _members already refused, a second lock on the same door
                    tar.extract(member, work, filter="data")
        except (tarfile.TarError, EOFError, OSError) as error:
            raise CRMError("serve.assets.broken", package=asset.label) from error
        unpacked = work / top
        absent = [file for file in asset.files if not (unpacked / file).is_file()]
        if absent:
            raise CRMError("serve.assets.incomplete", package=asset.label, files=", ".join(absent))
        if target.exists():
            # an incomplete copy (files deleted by hand): moved aside into the work folder, removed with it
            os.replace(target, work / "replaced")
        os.replace(unpacked, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _remove_stale_partials(cache: Path, age: float = 3600) -> None:
    """Temporary folders a killed download left behind (an hour old: never one a running download still uses)."""
    if not cache.is_dir():
        return
    for partial in cache.rglob(".partial-*"):
        try:
            if partial.is_dir() and time.time() - partial.stat().st_mtime > age:
                shutil.rmtree(partial, ignore_errors=True)
        except OSError:
            continue


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_engine.serve.assets",
                                     description="Fetch and verify the page assets of the CRM team server.")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when an asset is missing")
    args = parser.parse_args(argv)
    folder = cache_dir()
    if args.check:
        gone = missing(folder)
        if gone:
            print(translate("serve.assets.missing", packages=", ".join(a.label for a in gone), folder=str(folder)),
                  file=sys.stderr)
            return 1
        print(translate("serve.assets.present", folder=str(folder)))
        return 0
    try:
        ensure(progress=print, cache=folder)
    except CRMError as error:
        print(error.message(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
