"""Run as an unprivileged user, does the grader isolate learner kernels (bubblewrap in a user namespace) or refuse?

The suite runs as root in CI, so this test starts the grader as a user id with no
privileges: a private mount namespace (``unshare``) makes the interpreter, the virtual
environment and the repository reachable when they sit below folders other users cannot
enter (pyenv under /root, a clone in a ``mktemp -d`` folder), then ``setpriv`` drops to the
user. Run unprivileged already, the suite runs the script as it is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UID = 61077

SCRIPT = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, REPO)
os.environ["NETMARKETING_SCALE"] = "0.05"
from netmarketing.cli import UserError
from netmarketing.grading.autograde import GradeOptions, grade_module
from netmarketing.grading.workspace import Workspace
import importlib.util
spec = importlib.util.spec_from_file_location("hostile", Path(REPO) / "tests/fixtures/submissions/hostile.py")
hostile = importlib.util.module_from_spec(spec); spec.loader.exec_module(hostile)

def main():
    root = Path(WORK)
    hostile.make_course(root / "course")
    ws = Workspace(root / "autograder", course_dir=root / "course")
    ws.root.mkdir()
    release = ws.generate(hostile.MODULE)
    nb = hostile._solved(hostile._release(ws.release_dir), "learner1")
    folder = ws.submission_dir("learner1", hostile.MODULE)
    folder.mkdir(parents=True)
    (folder / f"{hostile.NOTEBOOK}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    out = {"uid": os.getuid()}
    options = GradeOptions(jobs=1, progress=False, extra_checks=[hostile.CHECKS])
    os.environ["NETMARKETING_BWRAP"] = "/nonexistent/bwrap"
    try:
        grade_module(ws, hostile.MODULE, options)
        out["without_bwrap"] = "graded"
    except UserError as exc:
        out["without_bwrap"] = str(exc)
    del os.environ["NETMARKETING_BWRAP"]
    record = grade_module(ws, hostile.MODULE, options)[0]
    out["sandbox"], out["status"], out["score"] = record["sandbox"], record["status"], record["score"]
    print("RESULT " + json.dumps(out, ensure_ascii=False))

if __name__ == "__main__":
    main()
"""


def _closed_ancestors(path: Path) -> list[Path]:
    """Return the ancestors of ``path`` that other users cannot enter."""
    return [p for p in reversed(path.parents) if p != Path("/") and not os.stat(p).st_mode & 0o001]


def _unprivileged(argv: list[str], work: Path) -> list[str]:
    """Return a command that runs ``argv`` as an unprivileged uid that can reach Python, the venv and the repo."""
    needed = [Path(os.path.realpath(p)) for p in (sys.base_prefix, sys.prefix, REPO)]
    covers = sorted({c for p in needed for c in _closed_ancestors(p)}, key=lambda p: len(p.parts))
    covers = [c for c in covers if not any(c != o and o in c.parents for o in covers)]
    stage = Path(tempfile.mkdtemp(prefix="nm-nonroot-stage-"))
    lines = ["set -e"]
    for i, path in enumerate(needed):
        if any(c in path.parents for c in covers):
            lines.append(f"mkdir -p {stage}/{i} && mount --rbind {path} {stage}/{i}")
    for cover in covers:
        lines.append(f"mount -t tmpfs -o mode=755 tmpfs {cover}")
    for i, path in enumerate(needed):
        if any(c in path.parents for c in covers):
            lines.append(f"mkdir -p {path} && mount --rbind {stage}/{i} {path}")
    drop = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--inh-caps=-all"]
    lines.append("exec " + " ".join([*drop, *map(_quote, argv)]))
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines)]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@pytest.mark.slow
def test_unprivileged_grader_isolates_or_refuses():
    """As an unprivileged user, does grading refuse without bubblewrap and isolate (bwrap, userns) with it?"""
    work = Path(tempfile.mkdtemp(prefix="nm-nonroot-"))
    os.chmod(work, 0o755)
    script = f"REPO = {str(REPO)!r}\nWORK = {str(work / 'w')!r}\n" + SCRIPT
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(work / "home"),
        "LANG": "C.UTF-8",
        "NETMARKETING_GRADER_CACHE": str(work / "w" / "cache"),
    }
    try:
        if os.geteuid() == 0:
            (work / "w").mkdir()
            (work / "home").mkdir()
            for path in (work / "w", work / "home"):
                os.chown(path, UID, UID)
            command = _unprivileged([sys.executable, "-c", script], work)
        else:
            (work / "w").mkdir()
            (work / "home").mkdir()
            command = [sys.executable, "-c", script]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        assert lines, (done.stdout[-2000:], done.stderr[-3000:])
        result = json.loads(lines[-1].removeprefix("RESULT "))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert result["uid"] != 0
    assert "--unsafe-no-sandbox" in result["without_bwrap"]  # refused, and says how to override
    assert result["sandbox"] == "bwrap"  # isolated in an unprivileged user namespace
    assert result["status"] == "graded" and result["score"] == 6.0
