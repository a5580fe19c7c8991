"""``netmarketing grade MODULE [MODULE ...] | all``: autograde every submission (see :mod:`.autograde`)."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from netmarketing.cli import UserError


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade the modules' submissions, print a summary and return 0 (1 when the grader itself failed)."""
    from netmarketing.grading.autograde import (
        DEFAULT_JOBS,
        GradeOptions,
        grade_modules,
        load_results,
        results_path,
    )
    from netmarketing.grading.sandbox import SandboxLimits
    from netmarketing.grading.workspace import Workspace

    ws = Workspace(Path(args.autograder)) if args.autograder else Workspace.default()
    if args.course:
        ws = Workspace(ws.root, course_dir=Path(args.course), db_url=ws.db_url)
    if not ws.modules():
        raise UserError(
            f"課程資料夾 {ws.course_dir} 中沒有任何單元，請用 --course 指定課程來源資料夾 "
            f"(no modules in {ws.course_dir}; give the course folder with --course)"
        )
    modules = ws.modules() if args.module == ["all"] else list(dict.fromkeys(args.module))
    unknown = [m for m in modules if m not in ws.modules()]
    if unknown or not modules:
        raise UserError(
            f"找不到單元 {', '.join(unknown) or '（無）'}；可用：{', '.join(ws.modules()) or '無'} 或 all "
            f"(unknown module {', '.join(unknown)!r})"
        )
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs 必須至少為 1 (--jobs must be at least 1)")
    limits = SandboxLimits(
        memory_mb=args.memory_mb, cell_timeout=args.cell_timeout, notebook_budget=args.budget
    )
    shard = None
    if args.shard:
        from netmarketing.grading.ledger import parse_shard

        try:
            shard = parse_shard(args.shard)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    options = GradeOptions(
        shard=shard,
        jobs=args.jobs or DEFAULT_JOBS,
        force=args.force,
        students=args.student or None,
        limits=limits,
        progress=not args.quiet,
        unsafe_no_sandbox=args.unsafe_no_sandbox,
    )
    done = grade_modules(ws, modules, options)
    for module in modules:
        print(f"{module}: 共 {len(load_results(ws, module))} 份紀錄 (records): {results_path(ws, module)}")
    if not done:
        print("沒有新的或變更過的繳交需要評分 (nothing new to grade)")
        return 0
    counts = Counter(r["status"] for r in done)
    summary = "、".join(f"{status} {n}" for status, n in counts.most_common())
    print(f"已評分 {len(done)} 份 (graded {len(done)}): {summary}")
    for record in sorted(done, key=lambda r: (r["module"], r["student"])):
        if record["status"] != "graded":
            print(f"  {record['module']}\t{record['student']}\t{record['status']}\t{record['reason_zh']}")
    unsafe = [r for r in done if r.get("sandbox") == "none"]
    if unsafe:
        print(f"警告：{len(unsafe)} 份繳交在沒有隔離的情況下評分 (graded WITHOUT a sandbox)")
    print(f"回饋 (feedback): {ws.feedback_dir}")
    return 1 if counts.get("error") else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``netmarketing grade`` to the command line."""
    grade = subparsers.add_parser(
        "grade",
        help="自動評分單元的所有繳交 (autograde every submission of modules)",
        description="在隔離環境中平行評分一個單元的所有繳交；只重新評分新的或變更過的繳交 "
        "(grade every submission in a sandbox, in parallel; only new or changed ones unless --force)",
    )
    grade.add_argument(
        "module", metavar="MODULE", nargs="+", help="單元，可多個；all 表示全部 (modules, or all)"
    )
    grade.add_argument(
        "--jobs", "-j", type=int, help="同時評分的份數 (parallel workers; default one per core, up to 8)"
    )
    grade.add_argument(
        "--student", action="append", metavar="ID", help="只評分這位學員，可重複 (only this learner)"
    )
    grade.add_argument(
        "--force", action="store_true", help="重新評分所有繳交 (grade again even if unchanged)"
    )
    grade.add_argument(
        "--cell-timeout", type=int, default=60, help="每個儲存格的秒數上限 (per-cell timeout, s)"
    )
    grade.add_argument(
        "--budget", type=int, default=600, help="每份繳交的總秒數上限 (whole-submission budget, s)"
    )
    grade.add_argument("--memory-mb", type=int, default=8192, help="核心記憶體上限 MB (kernel memory limit)")
    grade.add_argument(
        "--shard",
        metavar="I/N",
        help="只評分第 I 組（共 N 組，依學員代號固定分組），供多台機器或 Kubernetes Indexed Job 分工 "
        "(grade only shard I of N; runs coordinate through the gradebook database)",
    )
    grade.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="無法隔離時仍以你的身分執行學員程式（不建議；結果會記錄 sandbox: none）"
        "(run learner code without a sandbox when none can be built; recorded as sandbox: none)",
    )
    grade.add_argument("--quiet", "-q", action="store_true", help="不顯示進度列 (no progress bar)")
    grade.add_argument("--course", help="課程來源資料夾 (nbgrader source folder; default ./course)")
    grade.add_argument("--autograder", help="評分工作區 (grading workspace; default ./autograder)")
    grade.set_defaults(func=cmd_grade)
