"""Memory of a student's kernel (issue #22: sizing a class). Prints numbers; asserts nothing.

Runs notebooks top to bottom in a fresh kernel with nbclient, as a student would (Run All), each in
a temporary copy of its folder, and asks the kernel at the end for its peak and current resident
memory; then starts a bare `jupyter server` (what a student's JupyterLab is before any kernel) and
reads its resident memory. docs/jupyterhub.md sizes a class from these figures.

    .venv/bin/python bench/bench_kernel_memory.py            # the demo, the first and the capstone assignment
    .venv/bin/python bench/bench_kernel_memory.py --quick    # the first assignment only, no server
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

REPO = pathlib.Path(__file__).parents[1]
# (label, the notebook, the folder copied beside it)
NOTEBOOKS = {
    "demo (notebooks/00_start_here)": REPO / "notebooks" / "00_start_here.ipynb",
    "a1_opportunity": next((REPO / "source" / "a1_opportunity").glob("*.ipynb")),
    "a6_capstone": next((REPO / "source" / "a6_capstone").glob("*.ipynb")),
}
PROBE = ("import json, resource\n"
         "_status = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
         "print('CRM_LAB_MEMORY', json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
         " 'now_mb': int(_status['VmRSS'].split()[0]) / 1024}))")


def kernel_memory(notebook: pathlib.Path) -> dict:
    """Peak and current resident MB of a kernel that ran `notebook` top to bottom."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp) / notebook.parent.name
        shutil.copytree(notebook.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.duckdb*",
                                                                               "*.crm*"))
        nb = nbformat.read(folder / notebook.name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))
        started = time.perf_counter()
        before = os.environ.get("CRM_LAB_STUDENT")
        os.environ["CRM_LAB_STUDENT"] = before or "s001"   # the kernel inherits it; restored after
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(folder)}}).execute()
        finally:
            if before is None:
                del os.environ["CRM_LAB_STUDENT"]
        seconds = time.perf_counter() - started
    errors = [o["ename"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    line = next(part for part in text.splitlines() if part.startswith("CRM_LAB_MEMORY"))
    return {**json.loads(line.split(" ", 1)[1]), "seconds": seconds, "errors": errors}


def server_memory() -> float | None:
    """Resident MB of a bare Jupyter server (JupyterLab's extension loaded) once it serves, plus a
    couple of seconds to settle (None if it does not start within a minute)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **{name: os.path.join(tmp, name) for name in (
            "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")}}
        server = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
                                   "--port=0", f"--ServerApp.root_dir={tmp}", "--IdentityProvider.token=x"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            runtime = pathlib.Path(env["JUPYTER_RUNTIME_DIR"])
            deadline = time.monotonic() + 60
            while not list(runtime.glob("jpserver-*.json")) and time.monotonic() < deadline:
                time.sleep(0.5)
            if not list(runtime.glob("jpserver-*.json")):
                return None
            time.sleep(3)
            with open(f"/proc/{server.pid}/status") as status:
                rss = next(line for line in status if line.startswith("VmRSS"))
            return int(rss.split()[1]) / 1024
        except (OSError, StopIteration):
            return None
        finally:
            server.terminate()
            server.wait(timeout=30)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the first assignment only, no server")
    args = parser.parse_args(argv)
    chosen = {"a1_opportunity": NOTEBOOKS["a1_opportunity"]} if args.quick else NOTEBOOKS
    print(f"Memory of a student's kernel (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    for label, notebook in chosen.items():
        r = kernel_memory(notebook)
        print(f"  {label}: kernel peak {r['peak_mb']:.0f} MB, at the end {r['now_mb']:.0f} MB "
              f"(Run All {r['seconds']:.1f} s{'; errors: ' + ', '.join(r['errors']) if r['errors'] else ''})")
    if not args.quick:
        mb = server_memory()
        print(f"  a student's Jupyter server (JupyterLab, no kernel): {mb:.0f} MB" if mb else
              "  a student's Jupyter server: not measured (it did not start)")


if __name__ == "__main__":
    main()
