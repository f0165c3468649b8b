#!/usr/bin/env bash
# CRM Lab's two commands (see README):
#   ./crmlab.sh start   set up what students need, build the demo workspace, open JupyterLab on the landing notebook
#   ./crmlab.sh test    set up that plus the developers' tools and run the whole test suite
# Both install exactly the versions in uv.lock, the same on every machine and every day, and are
# idempotent: a second run reuses the virtual environment (stamped with the lock's hash) and the demo workspace.
# Two more for maintainers:
#   ./crmlab.sh lock    re-resolve uv.lock after pyproject.toml's dependencies changed (e.g. after a merge)
#   ./crmlab.sh floors  install the lowest versions pyproject.toml allows (.venv-floors) and run the fast tests
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=${PYTHON:-python3}
UV=  # set by uv_tool
# uv uses this interpreter and never downloads a Python of its own.
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$VENV"

uv_tool() {
    # uv itself: the version pinned (with hashes) in requirements-uv.txt, in its own small venv in the user's
    # cache (like uv's own package cache), so every checkout on the machine shares one copy of each version.
    if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "CRM Lab needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
        exit 1
    fi
    local wanted home
    wanted=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements-uv.txt)
    home="${CRM_LAB_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/crm-lab}/uv-$wanted"
    UV="$home/bin/uv"
    # `uv --version` prints e.g. "uv 0.13.10 (x86_64-unknown-linux-gnu)"
    [ "$("$UV" --version 2>/dev/null | cut -d" " -f2)" = "$wanted" ] && return 0
    rm -rf "$home"
    "$PY" -m venv "$home"
    "$home/bin/python" -m pip install -qq --disable-pip-version-check --require-hashes -r requirements-uv.txt
}

setup() {
    # $1: "start" (what students need: the runtime) or "test" (plus the `dev` extra: pytest, sphinx, playwright, hub…).
    uv_tool
    local mode=$1 stamp
    stamp=$(cat uv.lock pyproject.toml requirements-uv.txt | sha256sum | cut -d' ' -f1)
    local previous
    previous=$(cat "$VENV/.setup-stamp" 2>/dev/null || true)
    # A developer's environment (set up by `test`) already holds everything `start` needs: keep it.
    [ "$mode" = start ] && [ "$previous" = "$stamp test" ] && mode=test
    [ "$previous" = "$stamp $mode" ] && return 0
    local extras=()
    [ "$mode" = test ] && extras=(--extra dev)
    # --locked: refuse a uv.lock that no longer matches pyproject.toml instead of quietly re-resolving it.
    if ! "$UV" sync --quiet --locked --python "$PY" "${extras[@]}"; then
        echo "uv.lock does not match pyproject.toml (or could not be installed); after changing the dependencies run ./crmlab.sh lock." >&2
        exit 1
    fi
    echo "$stamp $mode" > "$VENV/.setup-stamp"
}

page_assets() {
    # The team server's page assets (Solara's app bundle, require.js, Font Awesome), fetched once by pinned
    # version and checksum into the venv, so `crm-lab serve` never needs the network (README). Without them
    # only the team server refuses to start (saying so); JupyterLab and the notebooks do not need them.
    "$VENV/bin/python" -m crm_engine.serve.assets \
        || echo "The team server's page assets are missing; run $VENV/bin/python -m crm_engine.serve.assets when online." >&2
}

browser_deps() {
    # The real-browser tests drive Debian's Chromium (never a downloaded browser) and need
    # CJK fonts to render 简体中文. Installed with apt where we are root; otherwise those
    # tests skip outside CI and say why (in CI they fail).
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
    [ ${#missing[@]} -eq 0 ] && return 0
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "Installing ${missing[*]} for the browser tests (apt-get)…"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
            || echo "Could not install ${missing[*]}; the browser tests will say so." >&2
    else
        echo "Not root or no apt-get: install ${missing[*]} yourself to run the browser tests." >&2
    fi
}

hub_deps() {
    # The JupyterHub test (tests/course/test_jupyterhub.py) runs a real hub behind configurable-http-proxy,
    # an npm package: installed once into the virtual environment ($VENV/node), not globally. Without
    # Node.js (>= 20) or npm that test skips outside CI and says why (in CI it fails).
    local package="$VENV/node/node_modules/configurable-http-proxy/package.json"
    grep -q '"version": "5\.' "$package" 2>/dev/null && return 0
    if command -v npm >/dev/null 2>&1; then
        echo "Installing configurable-http-proxy for the JupyterHub test (npm, into $VENV/node)…"
        npm install --prefix "$VENV/node" --no-audit --no-fund --loglevel=error configurable-http-proxy@5 >/dev/null \
            || echo "Could not install configurable-http-proxy; the JupyterHub test will say so." >&2
    else
        echo "No npm: install Node.js (>= 20) to run the JupyterHub test." >&2
    fi
}

case "${1:-}" in
    start)
        setup start
        page_assets
        "$VENV/bin/crm-lab" demo workspace/demo.duckdb --if-missing
        # Serve the whole course (notebooks, theory, instructor folders) and open the landing notebook.
        # The exporter setting: *Export as HTML* draws the plotly figures offline (crm_engine/ui/chart_export.py).
        exec "$VENV/bin/jupyter" lab --ServerApp.root_dir="$PWD" \
            --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
            --HTMLExporter.preprocessors=crm_engine.ui.chart_export.PlotlyToHTML "${@:2}"
        ;;
    test)
        setup test
        page_assets
        browser_deps
        hub_deps
        set +e
        "$VENV/bin/python" -m pytest "${@:2}"
        status=$?
        set -e
        # pytest's "no tests ran" (5) must not pass as green.
        [ "$status" -eq 5 ] && { echo "No tests ran." >&2; exit 1; }
        exit "$status"
        ;;
    lock)
        uv_tool
        "$UV" lock --python "$PY" "${@:2}"
        ;;
    floors)
        # The lowest versions of CRM Lab's direct dependencies that pyproject.toml allows, with the fast tests:
        # a floor that is too low shows up here, not on a student's machine.
        uv_tool
        "$UV" pip compile --quiet pyproject.toml --extra dev --resolution lowest-direct --python "$PY" \
            -o .venv-floors.txt
        [ -x .venv-floors/bin/python ] || "$UV" venv --quiet --python "$PY" .venv-floors
        VIRTUAL_ENV=.venv-floors "$UV" pip sync --quiet .venv-floors.txt
        VIRTUAL_ENV=.venv-floors "$UV" pip install --quiet --no-deps -e .
        set +e
        .venv-floors/bin/python -m pytest -m "not slow" --ignore=tests/browser --ignore=tests/course "${@:2}"
        status=$?
        set -e
        [ "$status" -eq 5 ] && { echo "No tests ran." >&2; exit 1; }
        exit "$status"
        ;;
    *)
        echo "usage: ./crmlab.sh start | test [pytest options] | lock | floors [pytest options]" >&2
        exit 2
        ;;
esac
