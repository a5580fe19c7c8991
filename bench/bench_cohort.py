"""Benchmark: autograde a simulated cohort with ``netmarketing grade`` vs plain serial ``nbgrader autograde``.

Usage::

    .venv/bin/python bench/bench_cohort.py [MODULE] [--n 30] [--floor-sample 6] [--jobs 1,2]

MODULE defaults to ``01_market_analysis``. The cohort is simulated with
``netmarketing.grading.cohort`` at the well-behaved levels (expert, proficient, novice,
blank): crashers would only measure timeouts. Every learner's world and data folder is
built before anything is timed, so all runs start warm.

Printed figures:

- plain nbgrader: one ``nbgrader autograde MODULE --student S`` process per learner,
  serially, nbgrader's own preprocessors (no sandbox, no checks: its scores mean nothing
  here, only its time), each learner's data folder in ``NETMARKETING_DATA``;
- ours: ``grade_module`` with each ``--jobs`` value: every kernel in a bubblewrap sandbox,
  answers judged by the grader's checks, feedback written;
- the physical floor: (sum of the solution notebooks' execution times) / cores + one kernel
  start-up, the execution times measured on a sample of learners and scaled to the cohort.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LEVELS = ("expert", "proficient", "novice", "blank")


def _kernel_startup_seconds() -> float:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("1")])
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3").execute()
    return time.perf_counter() - start


def _solution_seconds(sources: list[Path], student: str, variants, startup: float) -> float:
    """Return the execution time of the module's solution notebooks for one learner (kernel start subtracted)."""
    import nbformat
    from nbclient import NotebookClient

    from netmarketing.grading.checks import Variant, load_checks, write_saved_answers

    load_checks()
    world = variants.world(student)
    total = 0.0
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as answers:
        env = dict(
            os.environ,
            NETMARKETING_LEARNER=student,
            NETMARKETING_DATA=str(variants.data_folder(student)),
            NETMARKETING_ANSWERS=answers,
        )
        for path in sources:
            nb = nbformat.read(str(path), as_version=4)
            ids = [c.metadata.get("nbgrader", {}).get("grade_id", "") for c in nb.cells]
            write_saved_answers(work, ids, Variant(student, world.tables, world.truth))
            client = NotebookClient(
                nb,
                kernel_name="python3",
                timeout=300,
                allow_errors=True,
                resources={"metadata": {"path": work}},
            )
            start = time.perf_counter()
            client.execute(env=env, cwd=work)
            total += time.perf_counter() - start - startup
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="?", default="01_market_analysis")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--floor-sample", type=int, default=6)
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument(
        "--nbgrader-sample",
        type=int,
        default=0,
        help="time plain nbgrader on this many learners and scale to the cohort (0: all)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    from netmarketing.grading.autograde import GradeOptions, grade_module
    from netmarketing.grading.cohort import simulate_cohort
    from netmarketing.grading.workspace import Workspace, ensure_nbgrader_tools

    ensure_nbgrader_tools()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cohort-"))
    cores = os.cpu_count() or 1
    try:
        course = tmp / "course"
        shutil.copytree(REPO / "course" / args.module, course / args.module)
        ws = Workspace(
            tmp / "autograder", course_dir=course, db_url=f"sqlite:///{tmp / 'autograder' / 'gradebook.db'}"
        )
        ws.root.mkdir(parents=True)
        ws.generate(args.module)
        variants = ws.variants()
        sources = ws.source_notebooks(args.module)
        print(f"module {args.module} ({len(sources)} notebooks); {args.n} learners; {cores} cores")

        t = time.perf_counter()
        cohort = simulate_cohort(
            args.module,
            args.n,
            course_dir=course,
            out=ws.submitted_dir,
            levels=LEVELS,
            rng=0,
            variants=variants,
        )
        students = [learner.student_id for learner in cohort.learners]
        print(f"simulated cohort (worlds built on the way): {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=cores) as pool:
            list(pool.map(variants.data_folder, students))
        print(f"learner data folders: {time.perf_counter() - t:.1f} s")

        startup = _kernel_startup_seconds()
        sample = students[: max(1, min(args.floor_sample, len(students)))]
        per_learner = []
        for student in sample:
            per_learner.append(_solution_seconds(sources, student, variants, startup))
            print(f"  solution notebooks for {student}: {per_learner[-1]:.1f} s")
        execution = sum(per_learner) / len(per_learner) * len(students)
        floor = execution / cores + startup
        print(
            f"solution notebooks: {sum(per_learner) / len(per_learner):.2f} s per learner (sample of {len(sample)}); "
            f"kernel start-up {startup:.2f} s; floor = {execution:.1f} / {cores} + {startup:.2f} = {floor:.1f} s"
        )

        plain = None
        if not args.skip_nbgrader:
            t = time.perf_counter()
            failures = 0
            timed = students[: args.nbgrader_sample] if args.nbgrader_sample else students
            for student in timed:
                env = dict(
                    os.environ,
                    NETMARKETING_LEARNER=student,
                    NETMARKETING_DATA=str(variants.data_folder(student)),
                )
                env.pop("JUPYTERHUB_USER", None)
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "nbgrader",
                        "autograde",
                        args.module,
                        "--student",
                        student,
                        "--force",
                        f"--CourseDirectory.root={ws.root}",
                        f"--CourseDirectory.source_directory={course}",
                        f"--CourseDirectory.db_url={ws.db_url}",
                        "--ExecutePreprocessor.timeout=600",
                    ],
                    cwd=tmp,  # no nbgrader_config.py here: nbgrader's own preprocessors
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                failures += proc.returncode != 0
            plain = (time.perf_counter() - t) * len(students) / len(timed)
            scaled = f", timed on {len(timed)} learners and scaled" if len(timed) < len(students) else ""
            print(
                f"plain nbgrader autograde, serial, one process per learner: {plain:.1f} s "
                f"({plain / len(students):.2f} s each{scaled}; {failures} non-zero exits)"
            )
            shutil.rmtree(ws.autograded_dir, ignore_errors=True)

        for jobs in (int(j) for j in args.jobs.split(",")):
            t = time.perf_counter()
            records = grade_module(ws, args.module, GradeOptions(jobs=jobs, force=True, progress=False))
            ours = time.perf_counter() - t
            statuses = sorted({r["status"] for r in records})
            sandboxes = sorted({r["sandbox"] for r in records})
            line = (
                f"ours --jobs {jobs} (sandbox {sandboxes}): {ours:.1f} s ({ours / len(students):.2f} s each; "
                f"statuses {statuses})"
            )
            if plain:
                line += f"; speed-up vs plain nbgrader {plain / ours:.2f}x"
            line += f"; {ours / floor:.2f}x the physical floor"
            print(line)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
