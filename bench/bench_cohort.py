"""Benchmark: autograde a simulated cohort with ``netmarketing grade`` vs plain serial ``nbgrader autograde``.

Usage::

    .venv/bin/python bench/bench_cohort.py [MODULE] [--n 30] [--floor-sample 6] [--jobs 1,2] [--kernels warm,cold]

MODULE defaults to ``01_market_analysis`` when it exists in ``course/``, else the test
fixture module ``tests/fixtures/course/01_fixture``. The cohort is simulated with
``netmarketing.grading.cohort`` at the well-behaved levels (expert, proficient,
novice, blank): crashers would only measure timeouts. Every learner's data world is
built into one cache before anything is timed, so all runs start warm.

Printed figures:

- plain nbgrader: one ``nbgrader autograde MODULE --student S`` process per learner,
  serially, each with ``NETMARKETING_LEARNER=S`` (the only correct way to give plain
  nbgrader per-learner variants);
- ours: ``grade_module`` with each ``--jobs`` value and kernel start (sandboxed kernels, feedback
  included): ``warm`` kernels are forked from a server that imported the libraries once, ``cold``
  ones start a new Python each (``NETMARKETING_COLD_KERNELS=1``);
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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LEVELS = ("expert", "proficient", "novice", "blank")


def _prebuild(student: str, cache: str) -> None:
    os.environ["NETMARKETING_CACHE"] = cache
    from netmarketing.data import load_world, seed_for
    from netmarketing.learner.data import learner_scale

    load_world(int(seed_for(student)), scale=learner_scale())


def _kernel_startup_seconds() -> float:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("1")])
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3").execute()
    return time.perf_counter() - start


def _solution_seconds(sources: list[Path], student: str, cache: str, startup: float) -> float:
    """Return the execution time of the module's solution notebooks for one learner (kernel start subtracted)."""
    import nbformat
    from nbclient import NotebookClient

    env = dict(os.environ, NETMARKETING_LEARNER=student, NETMARKETING_CACHE=cache)
    total = 0.0
    for path in sources:
        nb = nbformat.read(str(path), as_version=4)
        client = NotebookClient(
            nb,
            kernel_name="python3",
            timeout=300,
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        client.execute(env=env, cwd=str(path.parent))
        total += time.perf_counter() - start - startup
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="?")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--floor-sample", type=int, default=6)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--kernels", default="warm,cold", help="kernel starts to time: warm, cold or both")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--cache", help="world cache to reuse (not under /tmp or /var/tmp)")
    parser.add_argument(
        "--serial-sample",
        type=int,
        default=0,
        help="run ours with --jobs 1 on this many learners and scale to the cohort (0: all)",
    )
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
    module = args.module or (
        "01_market_analysis" if (REPO / "course" / "01_market_analysis").is_dir() else "01_fixture"
    )
    course_src = (
        REPO / "course" if (REPO / "course" / module).is_dir() else REPO / "tests" / "fixtures" / "course"
    )
    # Not under /tmp or /var/tmp: sandboxed kernels get private ones and could not read the world cache.
    tmp = Path(
        tempfile.mkdtemp(
            prefix="bench-cohort-", dir="/var/cache" if os.access("/var/cache", os.W_OK) else None
        )
    )
    cores = os.cpu_count() or 1
    try:
        course = tmp / "course"
        shutil.copytree(course_src / module, course / module)
        ws = Workspace(
            tmp / "autograder", course_dir=course, db_url=f"sqlite:///{tmp / 'autograder' / 'gradebook.db'}"
        )
        ws.root.mkdir(parents=True)
        ws.generate(module)
        sources = ws.source_notebooks(module)
        print(
            f"module {module} ({len(sources)} notebooks) from {course_src}; {args.n} learners; {cores} cores"
        )

        t = time.perf_counter()
        cohort = simulate_cohort(
            module, args.n, course_dir=course, out=ws.submitted_dir, levels=LEVELS, rng=0
        )
        students = [learner.student_id for learner in cohort.learners]
        print(f"simulated cohort: {time.perf_counter() - t:.1f} s")

        cache = Path(args.cache) if args.cache else tmp / "world-cache"
        cache.mkdir(exist_ok=True)
        os.chmod(tmp, 0o755)
        os.chmod(cache, 0o755)
        t = time.perf_counter()
        with ProcessPoolExecutor(max_workers=cores) as pool:
            list(pool.map(_prebuild, students, [str(cache)] * len(students)))
        print(f"pre-built {len(students)} worlds: {time.perf_counter() - t:.1f} s (cache {cache})")

        startup = _kernel_startup_seconds()
        sample = students[: max(1, min(args.floor_sample, len(students)))]
        per_learner = []
        for student in sample:
            per_learner.append(_solution_seconds(sources, student, str(cache), startup))
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
                env = dict(os.environ, NETMARKETING_LEARNER=student, NETMARKETING_CACHE=str(cache))
                env.pop("JUPYTERHUB_USER", None)
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "nbgrader",
                        "autograde",
                        module,
                        "--student",
                        student,
                        "--force",
                        f"--CourseDirectory.root={ws.root}",
                        f"--CourseDirectory.source_directory={course}",
                        f"--CourseDirectory.db_url={ws.db_url}",
                        "--ExecutePreprocessor.timeout=600",
                    ],
                    cwd=ws.root,
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

        runs = [(int(j), kind) for kind in args.kernels.split(",") for j in args.jobs.split(",")]
        for jobs, kind in runs:
            subset = students[: args.serial_sample] if jobs == 1 and args.serial_sample else students
            # Warm kernels are forked from a server with the libraries imported (grading/warmkernel.py).
            if kind == "cold":
                os.environ["NETMARKETING_COLD_KERNELS"] = "1"
            else:
                os.environ.pop("NETMARKETING_COLD_KERNELS", None)
            t = time.perf_counter()
            records = grade_module(
                ws,
                module,
                GradeOptions(jobs=jobs, force=True, progress=False, cache_dir=cache, students=subset),
            )
            ours = (time.perf_counter() - t) * len(students) / len(subset)
            statuses = sorted({r["status"] for r in records})
            starts = sorted(
                {s for r in records for nb in r["notebooks"].values() for s in nb.get("kernel_starts", [])}
            )
            scaled = f", timed on {len(subset)} learners and scaled" if len(subset) < len(students) else ""
            line = (
                f"ours --jobs {jobs}, {kind} kernels {starts}: {ours:.1f} s "
                f"({ours / len(students):.2f} s each{scaled}; statuses {statuses})"
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
