"""Commands of the grading room: ``course check``, ``course roster``, ``release``, ``lab``, ``cohort simulate``.

``netmarketing grade`` comes from :mod:`netmarketing.grading.autograde_cli` when it is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from netmarketing.cli import UserError
from netmarketing.grading.workspace import Workspace


def _workspace(args: argparse.Namespace) -> Workspace:
    root = getattr(args, "autograder", None)
    course = getattr(args, "course", None)
    ws = Workspace(Path(root)) if root else Workspace.default()
    if course:
        ws = Workspace(ws.root, course_dir=Path(course), db_url=ws.db_url)
    assert ws.course_dir is not None
    if not ws.course_dir.is_dir():
        raise UserError(f"找不到課程資料夾 {ws.course_dir} (course folder not found)")
    return ws


def _modules(ws: Workspace, requested: list[str] | None) -> list[str]:
    available = ws.modules()
    if not requested:
        if not available:
            raise UserError(f"{ws.course_dir} 中沒有任何單元 (no modules found)")
        return available
    unknown = [m for m in requested if m not in available]
    if unknown:
        raise UserError(
            f"找不到單元 {', '.join(unknown)}；可用：{', '.join(available) or '無'} (unknown module)"
        )
    return requested


def _add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", help="課程來源資料夾 (nbgrader source folder; default ./course)")
    parser.add_argument("--autograder", help="評分工作區 (grading workspace; default ./autograder)")


# --- course check / roster --------------------------------------------------------------
def cmd_course_check(args: argparse.Namespace) -> int:
    from netmarketing.grading.check import check_course

    ws = _workspace(args)
    report = check_course(
        ws.course_dir,
        args.modules or None,
        execute=args.execute,
        release=not args.no_release,
        learners=args.learner or ("self-study",),
    )
    print(report.format())
    return 0 if report.ok else 1


def cmd_course_roster(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    path = Path(args.csv) if args.csv else ws.roster_path
    if not path.is_file():
        raise UserError(f"找不到名單 {path} (roster not found)")
    try:
        n = ws.import_roster(path)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    print(f"已匯入 {n} 位學員到成績簿 (imported {n} learners into the gradebook)")
    return 0


# --- release / lab ----------------------------------------------------------------------
def _release(ws: Workspace, modules: list[str], *, keep_existing: bool) -> list[str]:
    done = []
    for module in modules:
        if keep_existing and (ws.release_dir / module).is_dir():
            continue  # a learner may be working in it
        try:
            ws.generate(module)
        except RuntimeError as exc:
            raise UserError(str(exc)) from exc
        done.append(module)
    return done


def cmd_release(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    modules = _modules(ws, args.modules)
    for module in _release(ws, modules, keep_existing=False):
        print(f"已產生學員版本 (released): {ws.release_dir / module}")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    modules = _modules(ws, None)
    released = _release(ws, modules, keep_existing=not args.refresh)
    for module in released:
        print(f"已產生學員版本 (released): {ws.release_dir / module}")
    kept = [m for m in modules if m not in released]
    if kept:
        print(
            f"保留既有的學員版本與作答 (kept existing learner copies): {', '.join(kept)}；--refresh 可重新產生"
        )
    jupyter = shutil.which("jupyter") or str(Path(sys.executable).parent / "jupyter")
    extra = list(args.lab_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]  # `netmarketing lab -- --port 8899`: everything after -- goes to jupyter
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        extra.append("--allow-root")  # containers and CI machines often run as root
    command = [jupyter, "lab", *extra]
    print(f"在學員版本中啟動 JupyterLab (starting JupyterLab in the learner copies): {ws.release_dir}")
    if args.dry_run:
        print(" ".join(command))
        return 0
    env = os.environ.copy()
    config = _learner_lab_config(ws)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(config), env.get("JUPYTER_CONFIG_PATH")) if p
    )
    # The working directory is the learner copies, never the instructor source.
    return subprocess.call(command, cwd=ws.release_dir, env=env)


#: nbgrader's instructor panels; learners keep "Validate" (validate-assignment) and the assignment list.
INSTRUCTOR_ONLY_EXTENSIONS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)


def _learner_lab_config(ws: Workspace) -> Path:
    """Write the learners' JupyterLab page config (instructor panels off) and return its config folder."""
    folder = Path(ws.root) / ".learner-lab" / "config"
    page = folder / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True, exist_ok=True)
    disabled = dict.fromkeys(INSTRUCTOR_ONLY_EXTENSIONS, True)
    page.write_text(json.dumps({"disabledExtensions": disabled}, indent=2) + "\n", encoding="utf-8")
    return folder


# --- cohort ------------------------------------------------------------------------------
def cmd_cohort_simulate(args: argparse.Namespace) -> int:
    from netmarketing.grading.cohort import levels_from_text, simulate_cohort

    ws = _workspace(args)
    (module,) = _modules(ws, [args.module])
    try:
        levels = levels_from_text(args.levels)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if args.n < 1:
        raise UserError(f"--n 必須 >= 1 (--n must be >= 1), got {args.n}")
    out = Path(args.out) if args.out else ws.submitted_dir
    cohort = simulate_cohort(
        module, args.n, course_dir=ws.course_dir, out=out, levels=levels, prefix=args.prefix, rng=args.seed
    )
    if not args.out:
        ws.import_roster(out / ".cohort" / "roster.csv")
    for learner in cohort.learners:
        extra = ", ".join(f"{k}={v}" for k, v in learner.detail.items())
        print(f"{learner.student_id}\t{learner.level}\t{extra}")
    print(
        f"已寫入 {len(cohort.learners)} 份模擬繳交 (wrote {len(cohort.learners)} simulated submissions): {out}"
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the grading commands to the ``netmarketing`` parser."""
    course = subparsers.add_parser("course", help="檢查課程與匯入名單 (check the course, import the roster)")
    course_sub = course.add_subparsers(dest="course_command", metavar="ACTION")
    check = course_sub.add_parser("check", help="檢查單元的評分設定與學員版本 (validate modules)")
    check.add_argument("modules", nargs="*", metavar="MODULE")
    check.add_argument(
        "--execute", action="store_true", help="也執行原始筆記本的所有測試（較慢）(run the sources)"
    )
    check.add_argument(
        "--no-release", action="store_true", help="不產生學員版本檢查洩漏 (skip the release scan)"
    )
    check.add_argument(
        "--learner",
        action="append",
        metavar="ID",
        help="以此學員的資料版本執行，可重複 (execute as this learner; repeatable; default self-study)",
    )
    _add_location_options(check)
    check.set_defaults(func=cmd_course_check)
    roster = course_sub.add_parser("roster", help="從名單 CSV 匯入學員 (import learners from a roster CSV)")
    roster.add_argument(
        "csv", nargs="?", help="id,first_name,last_name,email (default autograder/roster.csv)"
    )
    _add_location_options(roster)
    roster.set_defaults(func=cmd_course_roster)
    course.set_defaults(func=lambda args: course.print_help() or 2)

    release = subparsers.add_parser(
        "release", help="產生學員版本到 autograder/release/ (generate learner copies)"
    )
    release.add_argument("modules", nargs="*", metavar="MODULE")
    _add_location_options(release)
    release.set_defaults(func=cmd_release)

    lab = subparsers.add_parser("lab", help="在學員版本中開啟 JupyterLab (JupyterLab on the learner copies)")
    lab.add_argument(
        "--refresh", action="store_true", help="重新產生已存在的學員版本，會覆蓋作答 (overwrite copies)"
    )
    lab.add_argument("--dry-run", action="store_true", help="只顯示指令 (print the command only)")
    lab.add_argument(
        "lab_args",
        nargs=argparse.REMAINDER,
        help="傳給 jupyter lab 的參數，放在 -- 之後 (passed to jupyter lab, after --)",
    )
    _add_location_options(lab)
    lab.set_defaults(func=cmd_lab)

    cohort = subparsers.add_parser("cohort", help="模擬學員 (simulated learners)")
    cohort_sub = cohort.add_subparsers(dest="cohort_command", metavar="ACTION")
    simulate = cohort_sub.add_parser("simulate", help="產生一個單元的模擬繳交 (simulate submissions)")
    simulate.add_argument("module", metavar="MODULE")
    simulate.add_argument("--n", type=int, default=12, help="學員數 (learners, default 12)")
    simulate.add_argument("--out", help="繳交資料夾 (submitted folder; default autograder/submitted)")
    simulate.add_argument(
        "--levels", default=",".join(_levels()), help="程度，逗號分隔 (levels, comma-separated)"
    )
    simulate.add_argument("--prefix", default="sim", help="學員代號字首 (student id prefix)")
    simulate.add_argument("--seed", type=int, default=0, help="隨機種子 (random seed)")
    _add_location_options(simulate)
    simulate.set_defaults(func=cmd_cohort_simulate)
    cohort.set_defaults(func=lambda args: cohort.print_help() or 2)

    try:
        from netmarketing.grading import autograde_cli
    except ImportError:
        return  # the autograder is not installed yet: no `grade` command
    autograde_cli.register(subparsers)


def _levels() -> tuple[str, ...]:
    from netmarketing.grading.cohort import LEVELS

    return LEVELS
