"""Live fan-out (T4, docs/team.md): what one person's click costs when N people have the CRM open.

`crm-lab serve` redraws every open page after each change, each in its own page's context: the page
that clicked at once, the others on one background thread (ui/kit/store.py). This bench builds N
pages as the server does — one Solara kernel context each, each showing the opportunities screen to
another member of the demo company — and times one action (a supervisor reassigning an opportunity):
until the click returns (the clicking page redrawn), and until every page is redrawn. Baseline, in
the same process: the same action with no page open.
No browser: the time a browser takes to draw the new widgets is not included.

    .venv/bin/python bench/bench_live.py            # 1, 5, 10, 15 open pages
    .venv/bin/python bench/bench_live.py --quick    # 1 and 3 pages, for the test suite
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

PEOPLE = ("zhang.wei", "li.ming", "wang.fang", "zhao.lei", "chen.hua", "liu.yang", "dong.li", "admin")


def pages(crm, count: int):
    """`count` open pages, as the server makes them: a kernel context each, a person each."""
    import solara.server.starlette  # noqa: F401 - Solara as served: values per page, unless shared
    from solara.server import kernel, kernel_context

    from crm_engine.ui.opportunities import OpportunitiesModule
    opened = []
    for number in range(count):
        context = kernel_context.VirtualKernelContext(id=f"page-{number}", session_id=f"s-{number}",
                                                      kernel=kernel.Kernel())
        with context:
            view = OpportunitiesModule(crm.as_user(PEOPLE[number % len(PEOPLE)], own_language="en"))
        opened.append((context, view))
    return opened


def close(opened) -> None:
    for context, view in opened:
        with context:
            view.close()
        context.close()


def reassign_timer(crm, repeat: int, *, every_page: bool = False):
    """Times of `repeat` reassignments by the supervisor (li.ming ↔ wang.fang), in ms: until the click
    returns, or (`every_page`) until every other page has been redrawn too."""
    from crm_engine.ui import kit
    supervisor = crm.as_user("zhang.wei")
    mine = supervisor.opportunities.list(state="assigned")
    target = int(mine[mine["owner"].isin(["Li Ming", "Wang Fang"])]["id"].iloc[0]) if "owner" in mine else \
        int(mine["id"].iloc[0])
    times = []
    for number in range(repeat + 2):
        owner = crm.opportunities.get(target).owner_id
        to = "wang.fang" if crm.admin.users().set_index("id").loc[owner, "username"] == "li.ming" else "li.ming"
        kit.settle()
        start = time.perf_counter()
        supervisor.opportunities.assign(target, to)
        if every_page:
            kit.settle()
        if number >= 2:            # two warm-ups
            times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    counts, repeat = ((1, 3), 3) if args.quick else ((1, 5, 10, 15), 7)
    from crm_engine.scenario import demo
    folder = tempfile.mkdtemp(prefix="bench-live-")
    crm = demo.create(pathlib.Path(folder) / "demo.crm", customers=120 if args.quick else 400,
                      orders=1500 if args.quick else 8000)
    base = statistics.median(reassign_timer(crm, repeat))
    print(f"one reassignment, no page open (baseline): {base:.1f} ms")
    results = {"baseline_ms": base}
    for count in counts:
        opened = pages(crm, count)
        try:
            with opened[0][0]:         # the supervisor clicks on the first page
                clicked = statistics.median(reassign_timer(crm, repeat))
                times = reassign_timer(crm, repeat, every_page=True)
        finally:
            close(opened)
        median = statistics.median(times)
        results[count] = {"click_ms": clicked, "every_page_ms": median}
        print(f"{count:>3} open pages: click returns {clicked:7.1f} ms ({clicked / base:4.1f}× the baseline); "
              f"every page redrawn {median:7.1f} ms median, {max(times):7.1f} ms worst "
              f"({(median - base) / count:5.1f} ms per page)")
    return results


if __name__ == "__main__":
    main()
