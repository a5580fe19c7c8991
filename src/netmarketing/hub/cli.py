"""``netmarketing hub``: a class hub on this machine (start, stop, status) and the instructor's steps on it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from netmarketing.cli import UserError


def _settings_for_start(args: argparse.Namespace):
    from netmarketing.grading.workspace import read_roster
    from netmarketing.hub.layout import repository
    from netmarketing.hub.settings import HubSettings, default_root

    root = Path(args.root) if args.root else default_root()
    try:
        settings = HubSettings.load(root)
    except FileNotFoundError:
        settings = HubSettings(root=root)
    for name in ("course_id", "ip", "port", "auth", "mem_limit", "cpu_limit", "idle_timeout"):
        value = getattr(args, name)
        if value is not None:
            setattr(settings, name, value)
    for name in ("gradebook_url", "hub_db_url", "ssl_cert", "ssl_key"):
        value = getattr(args, name)
        if value is not None:
            setattr(settings, name, value)
    if args.home_base:
        settings.home_base = Path(args.home_base)
    if args.instructor:
        settings.instructors = list(dict.fromkeys(args.instructor))
    roster = Path(args.roster) if args.roster else repository() / "autograder" / "roster.csv"
    if not roster.is_file():
        raise UserError(f"找不到名單 {roster}（--roster）(roster not found)")
    try:
        settings.learners = [row["id"] for row in read_roster(roster)]
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    course = Path(args.course) if args.course else repository() / "course"
    if not course.is_dir():
        raise UserError(f"找不到課程資料夾 {course}（--course）(course folder not found)")
    return settings, roster, course


def cmd_start(args: argparse.Namespace) -> int:
    from netmarketing.hub.process import HubError, start_hub

    settings, roster, course = _settings_for_start(args)
    try:
        start_hub(settings, roster=roster, course_source=course)
    except (HubError, RuntimeError) as exc:
        raise UserError(str(exc)) from exc
    print(f"教室已啟動 (hub started): {settings.url}")
    print(
        f"  學員 (learners): {len(settings.learners)}；講師 (instructors): {', '.join(settings.instructors)}"
    )
    print(f"  課程服務 (course service, formgrader): {settings.url}/services/{settings.course_id}/formgrader")
    print(f"  紀錄 (log): {settings.log_path}；停止 (stop): netmarketing hub stop --root {settings.root}")
    return 0


def _load(args: argparse.Namespace):
    from netmarketing.hub.settings import HubSettings

    try:
        return HubSettings.load(args.root)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from exc


def cmd_stop(args: argparse.Namespace) -> int:
    from netmarketing.hub.process import stop_hub

    settings = _load(args)
    if stop_hub(settings):
        print("教室已停止，所有學員的伺服器也已停止 (hub and all servers stopped)")
    else:
        print("教室沒有在執行 (the hub was not running)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from netmarketing.hub.process import hub_status

    settings = _load(args)
    status = hub_status(settings)
    if not status.running:
        print(f"教室沒有在執行 (not running): {settings.root}")
        return 1
    print(f"教室執行中 (running): {status.url}；名單 {status.learners} 人 (learners on the roster)")
    print(f"執行中的伺服器 (servers up): {len(status.servers)}")
    for user, state in sorted(status.servers.items()):
        print(f"  {user}\t{state}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from netmarketing.hub.layout import teardown
    from netmarketing.hub.process import stop_hub

    if not args.yes:
        raise UserError("這會刪除教室資料夾、所有學員帳號與家目錄；確定請加 --yes (add --yes to confirm)")
    settings = _load(args)
    stop_hub(settings)
    teardown(settings, remove_accounts=True)
    print(f"已移除教室 (hub removed): {settings.root}")
    return 0


def cmd_image_config(args: argparse.Namespace) -> int:
    from netmarketing.hub.layout import write_server_config

    folder = Path(args.folder)
    common = {"course_id": args.course_id, "exchange": Path(args.exchange)}
    write_server_config(folder / "learner", role="learner", **common)
    write_server_config(folder / "instructor", role="grader", autograder=Path(args.autograder), **common)
    print(f"已寫出學員與講師的 Jupyter 設定 (wrote the learner and instructor config): {folder}")
    return 0


def _instructor_step(args: argparse.Namespace) -> int:
    """Run a grader step in-process (as the grader) or, as root, through the grader account."""
    import sys

    from netmarketing.grading.workspace import Workspace
    from netmarketing.hub import instructor

    if os.geteuid() == 0 and not args.autograder:
        from netmarketing.hub.layout import run_as_grader

        settings = _load(args)
        argv = [str(Path(sys.executable).parent / "netmarketing"), "hub", args.hub_command, *args.modules]
        argv += ["--force"] if getattr(args, "force", False) else []
        return run_as_grader(settings, argv).returncode
    ws = Workspace(Path(args.autograder)) if args.autograder else Workspace.default()
    unknown = [m for m in args.modules if m not in ws.modules()]
    if unknown:
        raise UserError(
            f"找不到單元 {', '.join(unknown)}；可用：{', '.join(ws.modules()) or '無'} (unknown module)"
        )
    try:
        if args.hub_command == "release":
            for module in instructor.release(ws, args.modules, force=args.force):
                print(f"已發布到交換資料夾 (released): {module}")
        else:
            for module in args.modules:
                learners = instructor.collect(ws, module)
                print(f"{module}: 已收取 {len(learners)} 位學員的繳交 (collected): {', '.join(learners)}")
    except (instructor.InstructorError, RuntimeError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``netmarketing hub ...`` to the command line."""
    hub = subparsers.add_parser(
        "hub", help="在這台機器上開設 JupyterHub 教室 (a class JupyterHub on this machine)"
    )
    sub = hub.add_subparsers(dest="hub_command", metavar="ACTION")

    def with_root(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--root", help="教室資料夾 (hub folder; default $NETMARKETING_HUB_ROOT or /srv/netmarketing-hub)"
        )
        return parser

    start = with_root(
        sub.add_parser("start", help="建立帳號並啟動教室 (set up accounts and start the hub; root)")
    )
    start.add_argument(
        "--instructor", action="append", metavar="USER", help="講師帳號，可重複 (instructor, repeatable)"
    )
    start.add_argument("--roster", help="學員名單 CSV (default autograder/roster.csv)")
    start.add_argument("--course", help="課程來源資料夾 (source notebooks; default ./course)")
    start.add_argument("--course-id", help="課程代號 (course id; default kmc2431-008v1)")
    start.add_argument("--ip", help="監聽位址 (listen address; default 127.0.0.1)")
    start.add_argument("--port", type=int, help="埠號 (port; default 8000)")
    start.add_argument(
        "--auth", choices=("approval", "first-use"), help="登入方式 (sign-up: approval | first-use)"
    )
    start.add_argument("--mem-limit", help="每位學員的記憶體上限 (memory per learner; default 2G)")
    start.add_argument(
        "--cpu-limit", type=float, help="每位學員的 CPU 核心數上限 (cores per learner; default 1)"
    )
    start.add_argument(
        "--idle-timeout", type=int, help="閒置幾秒後停止伺服器 (idle seconds before culling; default 3600)"
    )
    start.add_argument("--home-base", help="學員家目錄的上層資料夾 (parent of homes; default /home)")
    start.add_argument("--gradebook-url", help="成績簿 SQLAlchemy URL，例如 PostgreSQL (gradebook URL)")
    start.add_argument("--hub-db-url", help="JupyterHub 自己的資料庫 URL (JupyterHub's database URL)")
    start.add_argument("--ssl-cert", help="HTTPS 憑證 (certificate file)")
    start.add_argument("--ssl-key", help="HTTPS 私鑰 (key file)")
    start.set_defaults(func=cmd_start)

    with_root(
        sub.add_parser("stop", help="停止教室與所有伺服器 (stop the hub and every server)")
    ).set_defaults(func=cmd_stop)
    with_root(sub.add_parser("status", help="教室狀態 (is it running, whose servers are up)")).set_defaults(
        func=cmd_status
    )
    remove = with_root(sub.add_parser("remove", help="刪除教室、帳號與家目錄 (remove hub, accounts, homes)"))
    remove.add_argument("--yes", action="store_true", help="確認刪除 (confirm)")
    remove.set_defaults(func=cmd_remove)

    image = sub.add_parser(
        "image-config", help="寫出容器映像用的學員／講師 Jupyter 設定 (Jupyter config for a container image)"
    )
    image.add_argument("folder", help="輸出資料夾，內含 learner/ 與 instructor/ (output folder)")
    image.add_argument("--course-id", default="kmc2431-008v1", help="課程代號 (course id)")
    image.add_argument("--exchange", default="/srv/nbgrader/exchange", help="交換資料夾 (exchange root)")
    image.add_argument(
        "--autograder",
        default="/srv/netmarketing/course/autograder",
        help="講師的評分工作區 (instructor workspace)",
    )
    image.set_defaults(func=cmd_image_config)

    for name, text in (
        ("release", "產生學員版並發布到交換資料夾 (generate and release modules)"),
        ("collect", "收取學員的繳交 (collect submissions)"),
    ):
        step = with_root(sub.add_parser(name, help=text))
        step.add_argument("modules", nargs="+", metavar="MODULE")
        step.add_argument("--autograder", help="評分工作區 (grading workspace; default ./autograder)")
        if name == "release":
            step.add_argument(
                "--force", action="store_true", help="覆蓋已發布的版本 (replace a released module)"
            )
        step.set_defaults(func=_instructor_step)
    hub.set_defaults(func=lambda args: hub.print_help() or 2)
