"""Commands of the grading room: ``course check``, ``course roster``, ``release``, ``lab``, ``cohort simulate``,
and the instructor's ``feedback`` and ``formgrader``.

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
from netmarketing.grading import learner_lab
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
        coverage=not args.draft,
        **({"learners": args.learner} if args.learner else {}),
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
    _publish_to_local_exchange(ws, released + learner_lab.unpublished(ws, kept))
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
    env.update(_learner_env(ws, args.learner))
    config = _learner_lab_config(ws)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(config), env.get("JUPYTER_CONFIG_PATH")) if p
    )
    # The working directory is the learner copies, never the instructor source.
    return subprocess.call(command, cwd=ws.release_dir, env=env)


def _learner_env(ws: Workspace, learner: str | None) -> dict[str, str]:
    """Return the environment that makes the lab's kernels work as ``learner`` on their own data.

    With a course secret in the workspace the learner's data folder (tables only) is written
    on first use; without one the learner studies the public self-study variant, and says so.
    """
    if not learner:
        return {}
    from netmarketing.grading.variant import SECRET_FILE, release_learner_data

    env = {"NETMARKETING_LEARNER": learner}
    if (ws.root / SECRET_FILE).is_file():
        folder = ws.learner_data_dir / learner
        if not (folder / "variant.json").is_file():
            try:
                folder = dict(release_learner_data(ws, [learner], ws.learner_data_dir))[learner]
            except ValueError as exc:
                raise UserError(str(exc)) from exc
        env["NETMARKETING_DATA"] = str(folder)
        print(f"學員 {learner} 使用自己的資料版本 (learner {learner} works on their own variant): {folder}")
    else:
        from netmarketing.learner.data import data_folder

        try:
            handed_out = data_folder()  # NETMARKETING_DATA, or the folder the instructor handed out
        except FileNotFoundError as exc:
            raise UserError(str(exc)) from exc
        if handed_out is not None:
            print(
                f"學員 {learner} 使用講師發給的資料 (learner {learner} works on the data handed out): {handed_out}"
            )
        else:
            print(
                f"學員 {learner}：此工作區沒有課程金鑰，也沒有 ~/netmarketing-data，使用公開的自學資料；"
                f"正式評分時會改用講師的資料版本 "
                f"(no course secret and no ~/netmarketing-data: learner {learner} studies the public self-study variant)"
            )
    return env


#: nbgrader's instructor panels; learners keep "Validate" (validate-assignment) and the assignment list.
INSTRUCTOR_ONLY_EXTENSIONS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    # Pairing notebooks with text files is for course authors (course_text/); its menus are English.
    "jupyterlab-jupytext",
)


def _learner_lab_config(ws: Workspace) -> Path:
    """Write the learners' JupyterLab page config (instructor panels off) and return its config folder."""
    folder = Path(ws.root) / ".learner-lab" / "config"
    page = folder / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True, exist_ok=True)
    disabled = dict.fromkeys(INSTRUCTOR_ONLY_EXTENSIONS, True)
    if not learner_lab.exchange_works():
        disabled[learner_lab.ASSIGNMENT_LIST_EXTENSION] = True  # no exchange, no Submit: hide the list
    page.write_text(json.dumps({"disabledExtensions": disabled}, indent=2) + "\n", encoding="utf-8")
    learner_lab.write_learner_nbgrader_config(ws, folder)  # Validate texts, course id, exchange, learner id
    return folder


def _publish_to_local_exchange(ws: Workspace, modules: list[str]) -> None:
    """Release fresh learner copies to the workspace's exchange, so 繳交 (Submit) works in ``make lab``."""
    try:
        learner_lab.publish(ws, modules)
    except RuntimeError as exc:
        raise UserError(str(exc)) from exc


# --- after grading: feedback, formgrader ------------------------------------------------
def cmd_feedback(args: argparse.Namespace) -> int:
    from netmarketing.grading.review import refresh

    ws = _workspace(args)
    modules = _modules(ws, args.modules)
    summary = refresh(ws, modules, students=args.student or None)
    if not summary.pages:
        print(
            "沒有已評分的繳交；請先執行 netmarketing grade (nothing graded yet: run netmarketing grade first)"
        )
        return 0
    if summary.scores_set:
        print(
            f"已依評分紀錄更新成績簿中 {summary.scores_set} 個分數 "
            f"(set {summary.scores_set} gradebook scores from their rubric records)"
        )
    flags = summary.flags
    print(
        f"完整性警示 (integrity flags)：未處理 {flags.get('open', 0)}、已處理 {flags.get('resolved', 0)} "
        f"(open / resolved)"
    )
    print(
        f"已產生 {len(summary.pages)} 份回饋 (wrote feedback for {len(summary.pages)} submissions): {ws.feedback_dir}"
    )
    return 0


def cmd_formgrader(args: argparse.Namespace) -> int:
    from netmarketing.grading.formgrader import server_root, write_server_config

    ws = _workspace(args)
    root = server_root(ws)
    config = write_server_config(ws)
    try:  # formgrader's Release and Collect need the exchange folder
        ws.exchange_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"注意：無法建立作業交換區 {ws.exchange_dir} (cannot create the exchange): {exc}")
    jupyter = shutil.which("jupyter") or str(Path(sys.executable).parent / "jupyter")
    extra = list(args.lab_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        extra.append("--allow-root")
    command = [jupyter, "lab", f"--ServerApp.root_dir={root}", *extra]
    print(
        f"講師的 JupyterLab（formgrader）從 {root} 啟動；開啟選單「Nbgrader → Formgrader」或網址 /formgrader "
        f"(instructor JupyterLab served from {root}; open Nbgrader -> Formgrader, or /formgrader)"
    )
    if args.dry_run:
        print(" ".join(command))
        return 0
    env = os.environ.copy()
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(config), env.get("JUPYTER_CONFIG_PATH")) if p
    )
    return subprocess.call(command, cwd=root, env=env)


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
        help="以此學員的資料版本執行，可重複 (execute as this learner; repeatable; default two check learners)",
    )
    check.add_argument(
        "--draft",
        action="store_true",
        help="草稿模式：證據缺口（指標項目不足、K/S 未覆蓋）只列為警告 (evidence gaps are warnings while drafting)",
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
    lab.add_argument(
        "--learner",
        metavar="ID",
        help="以這位學員的身分與資料版本作答；需要課程金鑰，否則使用公開的自學資料 "
        "(work as this learner, on their data variant; needs the course secret, else self-study data)",
    )
    lab.add_argument("--dry-run", action="store_true", help="只顯示指令 (print the command only)")
    lab.add_argument(
        "lab_args",
        nargs=argparse.REMAINDER,
        help="傳給 jupyter lab 的參數，放在 -- 之後 (passed to jupyter lab, after --)",
    )
    _add_location_options(lab)
    lab.set_defaults(func=cmd_lab)

    feedback = subparsers.add_parser(
        "feedback",
        help="人工評分後更新分數並重新產生回饋 (after manual grading: scores, rubric levels, comments in feedback)",
        description="依評分紀錄更新成績簿與評分結果的分數、同步完整性警示，並重新產生每位學員的回饋頁 "
        "(apply rubric records to the gradebook and results, sync integrity flags, rewrite every feedback page)",
    )
    feedback.add_argument(
        "modules", nargs="*", metavar="MODULE", help="單元，預設全部 (modules; default all)"
    )
    feedback.add_argument(
        "--student", action="append", metavar="ID", help="只寫這位學員的回饋 (only this learner)"
    )
    _add_location_options(feedback)
    feedback.set_defaults(func=cmd_feedback)

    formgrader = subparsers.add_parser(
        "formgrader",
        help="講師用 JupyterLab 與 formgrader（評分規準、警示、回饋）(instructor JupyterLab with formgrader)",
    )
    formgrader.add_argument("--dry-run", action="store_true", help="只顯示指令 (print the command only)")
    formgrader.add_argument(
        "lab_args",
        nargs=argparse.REMAINDER,
        help="傳給 jupyter lab 的參數，放在 -- 之後 (passed to jupyter lab)",
    )
    _add_location_options(formgrader)
    formgrader.set_defaults(func=cmd_formgrader)

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
