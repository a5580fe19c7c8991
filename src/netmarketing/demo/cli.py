"""``netmarketing demo``: the README's main job."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="示範整個流程：資料、學員版、模擬學員、評分、報告與證書 (run the whole pipeline on a simulated cohort)",
    )
    demo.add_argument("--learners", type=int, default=12, help="模擬學員人數 (simulated learners), 預設 12")
    demo.add_argument("--jobs", type=int, default=None, help="平行評分的工作數 (parallel grading jobs)")
    demo.add_argument("--out", default=None, help="報告輸出資料夾 (report folder), 預設 reports/demo")
    demo.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from netmarketing.cli import UserError
    from netmarketing.demo.pipeline import run_demo

    if args.learners < 1:
        raise UserError(f"學員人數必須至少 1，收到 {args.learners} (--learners must be >= 1)")
    return run_demo(n_learners=args.learners, out_dir=args.out, jobs=args.jobs)
