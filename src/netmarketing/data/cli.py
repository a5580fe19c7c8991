"""``netmarketing data build``: write a world's tables to Parquet and/or CSV (UTF-8 with BOM)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from netmarketing.data.marketing import MARKETING_TABLES
from netmarketing.data.world import CORE_TABLES, build_world, publish_folder, seed_for, write_world

TRUTH_FILE = "truth.GRADER-ONLY.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` command and its ``build`` sub-command."""
    from netmarketing.cli import UserError  # noqa: F401 - imported here to keep the room importable alone

    data = subparsers.add_parser("data", help="合成資料世界 (synthetic data world)")
    sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    build = sub.add_parser(
        "build",
        help="產生資料表 (build the tables)",
        description="產生一個學員版本的合成資料世界並寫入資料夾 (build one world variant).",
    )
    build.add_argument(
        "--seed",
        type=int,
        default=None,
        help="種子 (seed); 預設為 self-study 的種子 (default: seed of 'self-study')",
    )
    build.add_argument(
        "--learner", default=None, help="以學員代號推導種子 (derive the seed from a learner id)"
    )
    build.add_argument("--scale", type=float, default=1.0, help="規模倍數 (scale factor, > 0), 預設 1.0")
    build.add_argument("--out", required=True, help="輸出資料夾 (output folder; must not exist or be empty)")
    build.add_argument("--tables", default=None, help="只輸出這些表, 逗號分隔 (comma-separated table names)")
    build.add_argument(
        "--format",
        choices=["parquet", "csv", "both"],
        default="parquet",
        help="檔案格式 (file format); CSV 為 UTF-8 含 BOM",
    )
    build.add_argument("--force", action="store_true", help="覆寫既有資料夾 (replace an existing folder)")
    build.set_defaults(func=run_build)
    release = sub.add_parser(
        "release",
        help="寫出每位學員的資料資料夾（只有資料表）(write each learner's data folder: tables only)",
        description="依課程金鑰為名單上的每位學員產生其資料版本，只寫出資料表（不含解答與種子），"
        "供 JupyterHub 或講師發給學員 (write every learner's variant, tables only, for the hub or to hand out).",
    )
    release.add_argument("--roster", help="名單 CSV (roster; default <autograder>/roster.csv)")
    release.add_argument(
        "--learner", action="append", metavar="ID", help="只寫這位學員，可重複 (only this learner)"
    )
    release.add_argument("--out", help="輸出資料夾 (output; default <autograder>/learner-data)")
    release.add_argument("--autograder", help="評分工作區 (grading workspace; default ./autograder)")
    release.set_defaults(func=run_release)
    data.set_defaults(func=lambda _args: (data.print_help(), 2)[1])


def _error(zh: str, en: str) -> Exception:
    from netmarketing.cli import UserError

    return UserError(f"{zh} ({en})")


def parse_tables(text: str | None) -> list[str] | None:
    """Return the requested table names, or None for all; raise UserError for unknown names."""
    if not text:
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    known = CORE_TABLES + MARKETING_TABLES
    unknown = [t for t in names if t not in known]
    if unknown or not names:
        raise _error(
            f"未知的資料表：{', '.join(unknown) or '(空白)'}；可用：{', '.join(known)}",
            f"unknown table(s): {', '.join(unknown) or '(empty)'}; known: {', '.join(known)}",
        )
    return names


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise _error(f"輸出路徑 {out} 已存在且不是資料夾", f"output path {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise _error(
            f"輸出資料夾 {out} 不是空的；請換一個資料夾或加上 --force",
            f"output folder {out} is not empty; choose another folder or add --force",
        )
    # Probe by creating (and removing) a folder where the output will go: catches read-only places.
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=".probe-", dir=out.parent)
        os.rmdir(probe)
    except OSError as exc:
        raise _error(
            f"無法寫入輸出資料夾 {out}：{exc.strerror or exc}",
            f"cannot write to output folder {out}: {exc.strerror or exc}",
        ) from exc


def run_release(args: argparse.Namespace) -> int:
    """Write the learner data folders of the roster (or of the given learners)."""
    from netmarketing.grading.variant import release_learner_data
    from netmarketing.grading.workspace import Workspace, read_roster

    ws = Workspace(Path(args.autograder)) if args.autograder else Workspace.default()
    learners = list(args.learner or [])
    if not learners:
        roster = Path(args.roster) if args.roster else ws.roster_path
        if not roster.is_file():
            raise _error(f"找不到名單 {roster}；請用 --roster 或 --learner 指定", f"no roster at {roster}")
        try:
            learners = [row["id"] for row in read_roster(roster)]
        except ValueError as exc:
            raise _error(str(exc), "malformed roster") from exc
    out = Path(args.out) if args.out else ws.learner_data_dir
    for learner, folder in release_learner_data(ws, learners, out):
        print(f"已寫出 (written) {learner}: {folder}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    """Build the world and write it; all files appear at once (temporary folder, then rename)."""
    if not (args.scale > 0) or args.scale > 200:
        raise _error(
            f"--scale 必須大於 0 且不超過 200，收到 {args.scale}",
            f"--scale must be > 0 and at most 200, got {args.scale}",
        )
    if args.seed is not None and args.seed < 0:
        raise _error(
            f"--seed 必須是非負整數，收到 {args.seed}",
            f"--seed must be a non-negative integer, got {args.seed}",
        )
    tables = parse_tables(args.tables)
    out = Path(args.out).expanduser().resolve()
    _check_out(out, args.force)
    seed = args.seed if args.seed is not None else seed_for(args.learner or "self-study")
    want_marketing = tables is None or any(t in MARKETING_TABLES for t in tables)
    started = time.perf_counter()

    def say(step: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] 產生 (building) {step}", file=sys.stderr, flush=True)

    print(f"種子 (seed) {seed}, 規模 (scale) {args.scale:g} -> {out}", file=sys.stderr)
    world = build_world(seed, scale=args.scale, progress=say, marketing=want_marketing)
    names = tables or list(world.tables)
    missing = [t for t in names if t not in world.tables]
    if missing:
        raise _error(
            f"這些表尚未提供：{', '.join(missing)}", f"tables not available yet: {', '.join(missing)}"
        )

    def write(tmp: Path) -> None:
        say(f"寫入 (writing) {len(names)} 個表, 格式 {args.format}")
        write_world(world, tmp, tables=names, fmt=args.format, truth_name=TRUTH_FILE)

    try:
        if out.exists():
            # Replace atomically enough: build beside, swap, then remove the old folder.
            backup = out.with_name(f".{out.name}.old-{os.getpid()}")
            staged = out.with_name(f"{out.name}.new-{os.getpid()}")
            publish_folder(write, staged)
            os.rename(out, backup)
            os.rename(staged, out)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            publish_folder(write, out)
    except PermissionError as exc:
        raise _error(
            f"無法寫入輸出資料夾 {out}（沒有寫入權限）", f"cannot write to output folder {out}: {exc}"
        ) from exc
    except OSError as exc:
        raise _error(
            f"寫入 {out} 失敗，未留下不完整的檔案：{exc}",
            f"writing {out} failed, nothing half-written: {exc}",
        ) from exc
    print(
        f"完成 (done): {len(names)} 個表 -> {out}  ({time.perf_counter() - started:.1f} s)", file=sys.stderr
    )
    print(
        f"注意 (note): {TRUTH_FILE} 僅供評分使用，請勿發給學員 (grader only, never give to learners)",
        file=sys.stderr,
    )
    return 0
