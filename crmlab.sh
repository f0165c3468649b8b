#!/usr/bin/env bash
# CRM Lab's two commands (see README):
#   ./crmlab.sh start   set everything up, build the demo workspace, open JupyterLab on the landing notebook
#   ./crmlab.sh test    set everything up and run the whole test suite
# Both are idempotent: a second run reuses the virtual environment and the demo workspace.
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=${PYTHON:-python3}

setup() {
    if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "CRM Lab needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
        exit 1
    fi
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    # Reinstall only when the declared dependencies change.
    local stamp
    stamp=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$VENV/.setup-stamp" 2>/dev/null)" != "$stamp" ]; then
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
        echo "$stamp" > "$VENV/.setup-stamp"
    fi
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
        setup
        "$VENV/bin/crm-lab" demo workspace/demo.duckdb --if-missing
        # Serve the whole course (notebooks, theory, instructor folders) and open the landing notebook.
        exec "$VENV/bin/jupyter" lab --ServerApp.root_dir="$PWD" \
            --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb "${@:2}"
        ;;
    test)
        setup
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
    *)
        echo "usage: ./crmlab.sh start | test [pytest options]" >&2
        exit 2
        ;;
esac
