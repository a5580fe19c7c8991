"""Print how long each source (solution) notebook takes to run, and its kernel's peak memory.

Target (issue on module 01): every solution notebook runs in at most 20 s and 1.5 GB on a
2-core machine with the default world. The learner's data folder is released first (from a
course secret in a throw-away grading workspace, as an instructor releases it), so the
figures are those of a learner re-running a notebook, as in autograding.

    .venv/bin/python bench/bench_notebooks.py [NOTEBOOK ...]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs in a fresh process per notebook, so RUSAGE_CHILDREN is that notebook's kernel alone.
_RUNNER = r"""
import json, resource, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1])
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
started = time.perf_counter()
client.execute()
seconds = time.perf_counter() - started
errors = sum(1 for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error")
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "errors": errors}))
"""


def main(argv: list[str]) -> int:
    notebooks = [Path(a) for a in argv] or sorted((REPO / "course").glob("[0-9][0-9]_*/*.ipynb"))
    from netmarketing.grading.variant import release_learner_data
    from netmarketing.grading.workspace import Workspace

    learner_id = os.environ.get("NETMARKETING_LEARNER", "bench-learner")
    scratch = Path(tempfile.mkdtemp(prefix="bench-notebooks-"))
    ws = Workspace(scratch / "autograder", course_dir=REPO / "course")
    started = time.perf_counter()
    [(_, folder)] = list(release_learner_data(ws, [learner_id], scratch / "data"))
    print(f"learner data folder released in {time.perf_counter() - started:.1f} s: {folder}")
    env = dict(os.environ, NETMARKETING_LEARNER=learner_id, NETMARKETING_DATA=str(folder))
    # Run copies, so widgets' saved answers land in the scratch folder, not in the course.
    shutil.copytree(
        REPO / "course", scratch / "course", ignore=shutil.ignore_patterns("answers", ".ipynb_checkpoints")
    )
    print(f"{'notebook':58s} {'seconds':>8s} {'peak MB':>8s} {'errors':>6s}")
    worst = 0.0
    for nb in notebooks:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _RUNNER, str(scratch / nb.resolve().relative_to(REPO))],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"{nb.relative_to(REPO)!s:58s} FAILED\n{out.stderr[-2000:]}")
            return 1
        result = json.loads(out.stdout.strip().splitlines()[-1])
        worst = max(worst, result["seconds"])
        print(
            f"{nb.relative_to(REPO)!s:58s} {result['seconds']:8.1f} {result['peak_mb']:8.0f} {result['errors']:6d}"
            f"   (with process start {time.perf_counter() - started:.1f} s)"
        )
    print(f"slowest notebook: {worst:.1f} s (target <= 20 s)")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
