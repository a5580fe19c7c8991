"""Run the whole course pipeline on a simulated cohort (see the package docstring)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

#: The simulated learners' worlds are half the default size: every planted fact is still found at this
#: scale (tests/test_world_variants.py), and the cohort's notebooks run in about half the time.
#: Set NETMARKETING_SCALE to grade the demo at another scale.
DEMO_SCALE = "0.5"
#: Seconds per cell; the learner cells of a warmed-up kernel stay well under it here, see run_demo.
DEMO_CELL_TIMEOUT = 5
_STARTED = time.perf_counter()


def _say(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:5.0f} s] {message}" if message else "", flush=True)


def _build_data(out: Path) -> Path:
    """Build the course's default data set into ``out``, exactly as ``netmarketing data build`` does."""
    import argparse

    from netmarketing.data.cli import run_build

    run_build(
        argparse.Namespace(
            seed=None, learner=None, scale=1.0, out=str(out), tables=None, format="parquet", force=True
        )
    )
    return out


def _fresh_workspace(root: Path) -> None:
    """Empty the demo's grading workspace, keeping its course secret and world cache between runs."""
    keep = {"secret", "cache"}
    root.mkdir(parents=True, exist_ok=True)
    for path in root.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _auto_score_percent(records: list[dict], course_dir: Path) -> dict[str, float]:
    """Return each learner's share of automatic points on modules that count toward the level."""
    from netmarketing.grading.evidence import evidence_map

    counted = {
        item.grade_id for item in evidence_map(course_dir) if item.kind == "auto" and item.counts_toward_level
    }
    earned: dict[str, float] = {}
    possible: dict[str, float] = {}
    for record in records:
        for notebook in (record.get("notebooks") or {}).values():
            for grade_id, grade in notebook.get("grades", {}).items():
                if grade_id in counted:
                    student = record["student"]
                    earned[student] = earned.get(student, 0.0) + float(grade.get("score") or 0.0)
                    possible[student] = possible.get(student, 0.0) + float(grade.get("max_score") or 0.0)
    return {s: 100 * earned[s] / possible[s] for s in possible if possible[s]}


def run_demo(
    *,
    n_learners: int = 12,
    out_dir: Path | None = None,
    jobs: int | None = None,
    work_dir: Path | None = None,
) -> int:
    """Run the demo end to end and print its summary; return the exit code.

    By default it works in the repository (``build/demo``, ``datasets/generated``,
    ``reports/demo``); with ``work_dir`` everything goes below that folder instead
    (``data/``, ``autograder/``, ``keys/``, ``reports/``), as the tests do.
    """
    from netmarketing import certify
    from netmarketing.grading.autograde import GradeOptions, grade_modules
    from netmarketing.grading.cohort import Cohort, plan_cohort, simulate_cohort
    from netmarketing.grading.review import refresh
    from netmarketing.grading.sandbox import SandboxLimits
    from netmarketing.grading.workspace import Workspace, repo_root, write_roster

    global _STARTED
    started = _STARTED = time.perf_counter()
    os.environ.setdefault("NETMARKETING_SCALE", DEMO_SCALE)
    repo = repo_root()
    demo_root = Path(work_dir) if work_dir else repo / "build" / "demo"
    _fresh_workspace(demo_root / "autograder")
    ws = Workspace(demo_root / "autograder", course_dir=repo / "course")
    default_out = demo_root / "reports" if work_dir else repo / "reports" / "demo"
    out = Path(out_dir) if out_dir else default_out
    shutil.rmtree(out, ignore_errors=True)

    _say("1/6 建立預設資料 (building the default data set)...")
    data_dir = _build_data(demo_root / "data" if work_dir else repo / "datasets" / "generated")
    _say(f"    -> {data_dir}")

    modules = ws.modules()
    learners = plan_cohort(n_learners)
    levels = {s.student_id: s.level for s in learners}
    # The class list formgrader and the reports show: the simulated learners' ids and names.
    write_roster(ws.roster_path, Cohort("", ws.submitted_dir, learners).roster_rows())
    ws.import_roster()
    _say(f"2/6 產生學員版 (releasing learner copies): {', '.join(modules)}")
    for module in modules:
        ws.generate(module)

    _say(f"3/6 模擬 {n_learners} 位學員的作答 (simulating a cohort)...")
    # Modules are independent: simulate them side by side, from the learner copies just released.
    with ProcessPoolExecutor(max_workers=min(len(modules), os.cpu_count() or 1) or 1) as pool:
        futures = [
            pool.submit(
                simulate_cohort,
                module,
                n_learners,
                course_dir=ws.course_dir,
                out=ws.submitted_dir,
                release_dir=ws.release_dir / module,
                variants=ws.variants(),
            )
            for module in modules
        ]
        for future in futures:
            future.result()

    _say("4/6 自動評分 (autograding)...")
    # Solution cells take at most a few seconds; a short cell timeout keeps the simulated
    # crashers (infinite loops) from dominating the demo's time. Real grading keeps 60 s.
    limits = SandboxLimits(cell_timeout=DEMO_CELL_TIMEOUT, notebook_budget=300)
    options = GradeOptions(force=True, progress=sys.stdout.isatty(), limits=limits)
    if jobs:
        options.jobs = jobs
    # Every module in one pool of workers: no worker waits for another module's last submission.
    records = grade_modules(ws, modules, options)

    _say("5/6 套用模擬的人工評分 (applying simulated manual grades, marked as simulated)...")
    # Each simulated kind of learner writes answers at one rubric level (certify.simulate).
    certify.simulate_manual_grades(ws.db_url, levels, course_dir=ws.course_dir)
    # As an instructor does after manual grading: one total everywhere, feedback with the levels.
    refresh(ws, modules)

    _say("6/6 職能判定、報告與數位證書 (certifying, writing reports and credentials)...")
    result = certify.run(ws.db_url, ws.course_dir, out, simulated_manual=True, keys_dir=demo_root / "keys")

    summary = result.summary.copy()
    summary.insert(1, "level_simulated", summary["learner"].map(levels))
    auto = _auto_score_percent(records, ws.course_dir)
    summary.insert(2, "auto_%", summary["learner"].map(auto).round(0))
    graded = pd.DataFrame(records)
    if not graded.empty and "status" in graded:
        problems = (
            graded[graded["status"] != "graded"]
            .groupby("student")["status"]
            .agg(lambda s: ",".join(sorted(set(s))))
        )
        summary["grading_flags"] = summary["learner"].map(problems).fillna("")
    shown = summary.drop(columns=[c for c in ("report", "simulated_manual") if c in summary])
    print("\n" + shown.to_string(index=False) + "\n", flush=True)
    print("auto_%：自動評分項目得分率（不含入門練習）；人工評分為模擬值，報告中皆有標示。", flush=True)
    print(
        "auto_%: share of automatic points (practice excluded); manual grades are simulated and marked so.\n"
    )
    _say(f"班級儀表板 (cohort dashboard): {result.cohort_report}")
    _say(f"學員報告 (learner reports):   {out}")
    _say(
        f"數位證書 (credentials):       {len(result.credential_paths)} 張，驗證："
        f"netmarketing verify --trust {demo_root / 'keys'} FILE"
    )
    _say(f"評分工作區 (grading workspace): {ws.root}")
    _say(f"完成，用時 {time.perf_counter() - started:.0f} 秒 (done in {time.perf_counter() - started:.0f} s)")
    return 0
