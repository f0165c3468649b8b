"""Benchmarks print numbers, they do not assert timings; here each one runs at its --quick size
so the scripts cannot rot."""
import pathlib
import runpy
import subprocess
import sys

import pytest

BENCH = pathlib.Path(__file__).parents[1] / "bench"
# Benchmarks that load Solara's server (every `solara.reactive` becomes per page in that process) or
# serve pages: each runs in a process of its own, like the browser ones.
OWN_PROCESS = {"bench_live.py", "bench_team.py"}


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("bench_*.py")))
def test_benchmark_runs_quick(script, capsys):
    if "browser" in script or script in OWN_PROCESS:
        # Its own process: Playwright's sync API refuses to start where an event loop already runs (the
        # browser tests' session, Solara's), and a browser bench should not share the test process anyway.
        run = subprocess.run([sys.executable, str(BENCH / script), "--quick"], cwd=BENCH.parent,
                             capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stderr[-3000:]
        printed = run.stdout
    else:
        module = runpy.run_path(str(BENCH / script))
        module["main"](["--quick"])
        printed = capsys.readouterr().out
    assert any(ch.isdigit() for ch in printed), printed
