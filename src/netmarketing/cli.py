"""The ``netmarketing`` command: one entry point, each room adds its own sub-commands.

A room contributes a module ``netmarketing.<room>.cli`` with a function
``register(subparsers)`` that adds its commands and sets ``func`` on each
parser; ``func(args)`` returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Order is the order shown in --help.
ROOMS = ("standard", "data", "learner", "grading", "certify", "hub", "demo")


class UserError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netmarketing",
        description="網路行銷企劃主管 (KMC2431-008v1) 課程工具 / course kit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for room in ROOMS:
        try:
            module = importlib.import_module(f"netmarketing.{room}.cli")
        except ModuleNotFoundError as exc:
            # A room that is not built yet simply adds no commands.
            if exc.name and exc.name.startswith(f"netmarketing.{room}"):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"錯誤 (error): {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
