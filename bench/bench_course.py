"""Course benchmarks (issue #10). Prints numbers; asserts nothing.

1. Autograde time of one submission of an assignment against the *same* notebook with trivial content
   (every code cell replaced by a constant, same cells, same grade cells): what the CRM, the replay and the
   checks add to nbgrader's own cost (aim: ≤ 1.3×).
2. The marginal time per notebook (autograde of N submissions minus one, per extra submission), both kinds.
3. Autograde of N submissions of one assignment in one run (a class: N = 30; --quick: 2).
4. The same N in parallel worker processes (`course_batch`, --workers, default 2), against 3, and the time
   a class of 300 would take on this machine at that rate.

Submissions are made as students make them: each student's own workspace, the reference solution run
in it, the notebook handed in beside it (in nbgrader's submitted/<student>/<assignment>/ layout).

    .venv/bin/python bench/bench_course.py                 # 30 submissions of a1_opportunity
    .venv/bin/python bench/bench_course.py --quick         # 2, for the test suite
    .venv/bin/python bench/bench_course.py --assignment a3_churn --students 10
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import pathlib
import shutil
import sys
import tempfile
import time

import nbformat

from crm_engine.course import instructor as course_admin

REPO = pathlib.Path(__file__).parents[1]
TRIVIAL = "trivial"


def grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def trivial_copy(source: pathlib.Path, target: pathlib.Path) -> None:
    """The notebook with every code cell's content replaced by a constant (grade cells keep their points)."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            cell.source = "### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION"
        elif meta.get("grade"):
            cell.source = f"{float(meta.get('points', 1))}"
        else:
            cell.source = "1"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


@contextlib.contextmanager
def student(folder: pathlib.Path, name: str):
    saved_cwd, saved = os.getcwd(), os.environ.get("CRM_LAB_STUDENT")
    os.chdir(folder)
    os.environ["CRM_LAB_STUDENT"] = name
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        if saved is None:
            os.environ.pop("CRM_LAB_STUDENT", None)
        else:
            os.environ["CRM_LAB_STUDENT"] = saved


def work(source_nb, folder: pathlib.Path, name: str) -> None:
    """Run the reference solution's code (forms left out) in this student's folder, in this process."""
    namespace: dict = {"__name__": "__main__", "show": None}
    with student(folder, name), contextlib.redirect_stdout(io.StringIO()):
        for cell in source_nb.cells:
            if cell.cell_type != "code" or grade_id(cell).startswith("test-") or "course.form(" in cell.source:
                continue
            code = cell.source
            exec(compile(code, grade_id(cell), "exec"), namespace)
    namespace["course"].close()


def prepare(root: pathlib.Path, assignment: str, students: list[str]) -> None:
    """Generate both assignments and lay out every student's submission of each."""
    (source,) = sorted((REPO / "source" / assignment).glob("*.ipynb"))
    shutil.copytree(REPO / "source" / assignment, root / "source" / assignment)
    trivial_copy(source, root / "source" / TRIVIAL / source.name)
    config = (REPO / "nbgrader_config.py").read_text("utf-8") + f"\nc.CourseDirectory.root = {str(root)!r}\n"
    (root / "nbgrader_config.py").write_text(config, "utf-8")
    for name in (assignment, TRIVIAL):
        course_admin.nbgrader("generate_assignment", name, "--force", root=root)
    source_nb = nbformat.read(source, as_version=4)
    for name in students:
        for which in (assignment, TRIVIAL):
            folder = root / "submitted" / name / which
            folder.mkdir(parents=True)
            (release,) = (root / "release" / which).glob("*.ipynb")
            shutil.copy(release, folder / release.name)
            (folder / "timestamp.txt").write_text("2026-03-02 09:00:00.000000 UTC")
        work(source_nb, root / "submitted" / name / assignment, name)


def autograde(root: pathlib.Path, which: str, students: list[str]) -> float:
    """Seconds for one `nbgrader autograde` of these students' submissions (from scratch)."""
    for name in students:
        shutil.rmtree(root / "autograded" / name / which, ignore_errors=True)
    args = [which, "--force"] + ([f"--student={students[0]}"] if len(students) == 1 else [])
    started = time.perf_counter()
    course_admin.nbgrader("autograde", *args, root=root)
    return time.perf_counter() - started


def total_score(root: pathlib.Path, which: str) -> dict:
    frame = course_admin.gradebook_scores(which, root=root)
    return frame.groupby("student")["score"].sum().to_dict() if len(frame) else {}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 submissions (for the test suite)")
    parser.add_argument("--assignment", default="a1_opportunity")
    parser.add_argument("--students", type=int, default=None, help="submissions to grade (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="parallel autograde processes for 4 (default 2)")
    args = parser.parse_args(argv)
    count = args.students or (2 if args.quick else 30)
    names = [f"s{k:03d}" for k in range(count)]
    with tempfile.TemporaryDirectory(prefix="bench-course-") as tmp:
        root = pathlib.Path(tmp) / "course"
        root.mkdir()
        saved = {k: os.environ.get(k) for k in ("JUPYTER_CONFIG_DIR", "NBGRADER_EXECUTION")}
        os.environ["JUPYTER_CONFIG_DIR"] = str(pathlib.Path(tmp) / "jupyter")
        os.environ.pop("NBGRADER_EXECUTION", None)
        try:
            started = time.perf_counter()
            prepare(root, args.assignment, names)
            print(f"course: {args.assignment}, {count} submission(s) prepared in {time.perf_counter() - started:.1f} s")
            one = {which: autograde(root, which, names[:1]) for which in (TRIVIAL, args.assignment)}
            print(f"1. one submission:    trivial {one[TRIVIAL]:6.1f} s   {args.assignment} "
                  f"{one[args.assignment]:6.1f} s   ratio {one[args.assignment] / one[TRIVIAL]:.2f}x")
            everyone = {which: autograde(root, which, names) for which in (TRIVIAL, args.assignment)}
            if count > 1:
                marginal = {w: (everyone[w] - one[w]) / (count - 1) for w in everyone}
                print(f"2. per extra notebook: trivial {marginal[TRIVIAL]:6.2f} s   {args.assignment} "
                      f"{marginal[args.assignment]:6.2f} s   ratio "
                      f"{marginal[args.assignment] / max(marginal[TRIVIAL], 1e-9):.2f}x")
            print(f"3. {count} submission(s) in one autograde run: {args.assignment} {everyone[args.assignment]:.1f} s "
                  f"({everyone[args.assignment] / count:.2f} s each), trivial {everyone[TRIVIAL]:.1f} s")
            from crm_engine.course import batch as course_batch

            for name in names:
                shutil.rmtree(root / "autograded" / name / args.assignment, ignore_errors=True)
            summary = course_batch.autograde(args.assignment, root=root, workers=args.workers)
            sequential = everyone[args.assignment]
            print(f"4. {summary.students} submission(s) with {summary.workers} workers: {summary.seconds:.1f} s "
                  f"({summary.seconds / count:.2f} s each), {sequential / summary.seconds:.2f}x the one-run time"
                  f"{'; not graded: ' + ', '.join(summary.failed) if summary.failed else ''}")
            print(f"   a class of 300 at this rate: {summary.seconds / count * 300 / 60:.1f} min with "
                  f"{summary.workers} workers ({sequential / count * 300 / 60:.1f} min in one run)")
            scores = total_score(root, args.assignment)
            print(f"   scores: {sorted(set(scores.values()))} (every submission is the reference solution)")
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


if __name__ == "__main__":
    main(sys.argv[1:])
