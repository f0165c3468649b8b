"""Benchmarks print numbers, they do not assert timings; here each one runs at its --quick size
so the scripts cannot rot."""
import pathlib
import runpy

import pytest

BENCH = pathlib.Path(__file__).parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("bench_*.py")))
def test_benchmark_runs_quick(script, capsys):
    module = runpy.run_path(str(BENCH / script))
    module["main"](["--quick"])
    printed = capsys.readouterr().out
    assert any(ch.isdigit() for ch in printed), printed
