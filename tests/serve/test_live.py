"""Live across people: a change made on one person's page redraws every other person's open views.

Run in a process of its own (tests/serve/live_across_pages.py): importing Solara's server module
switches every `solara.reactive` in the process to one value per page, which must not leak into the
other tests. Without the kit's process-wide counter (ui/kit/store.py `Shared`) the second page keeps
showing "1 customers".
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).with_name("live_across_pages.py")
ROOT = SCRIPT.parents[2]


def test_a_change_on_one_page_redraws_another_persons_page():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown == {"before": "1 customers", "after": "2 customers", "clicked": "2 customers"}
