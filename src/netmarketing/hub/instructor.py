"""The instructor's steps on a class hub, run as the grader account in the course folder.

- :func:`release`: generate the learner copies of modules and put them in the exchange;
- :func:`collect`: take the learners' latest submissions from the exchange into ``submitted/``;
- grading is ``netmarketing grade MODULE`` (the trusted pipeline), unchanged;
- feedback goes out through formgrader's Generate Feedback and Release Feedback buttons (the
  course's own pages, see :mod:`netmarketing.grading.nbgrader_bridge`).
"""

from __future__ import annotations

from pathlib import Path

from netmarketing.grading.workspace import Workspace


class InstructorError(RuntimeError):
    """A step nbgrader refused (message in zh-TW with nbgrader's log)."""


def _check(result: dict | None, what: str) -> str:
    if not result or not result.get("success"):
        log = (result or {}).get("log", "") + (result or {}).get("error", "")
        raise InstructorError(f"{what} 失敗 (failed):\n{log[-3000:]}")
    return result.get("log", "")


def _api(ws: Workspace, *, force: bool = False):
    from traitlets.config import Config

    extra = Config()
    extra.ExchangeFactory.collect = "netmarketing.hub.exchange.OwnerCheckedCollect"
    extra.ExchangeReleaseAssignment.force = force
    return ws.api(extra)


def release(ws: Workspace, modules: list[str], *, force: bool = False) -> list[str]:
    """Generate the learner copies of ``modules`` and release them to the exchange; return the modules.

    A module already in the exchange is replaced only with ``force`` (learners who fetched it keep
    their copy; nbgrader fetches a module once).
    """
    outbound = Path(ws.exchange_dir) / str(ws.course_id) / "outbound"
    again = [m for m in modules if (outbound / m).is_dir()]
    if again and not force:
        raise InstructorError(
            f"已經發布過：{', '.join(again)}；要用新版本覆蓋請加 --force (already released; add --force to replace)"
        )
    for module in modules:
        ws.generate(module)
        _check(_api(ws, force=force).release_assignment(module), f"發布 {module} (release_assignment)")
    return modules


def collect(ws: Workspace, module: str) -> list[str]:
    """Collect the latest submission of every learner for ``module``; return the learners now in ``submitted/``."""
    _check(_api(ws).collect(module), f"收取 {module} (collect)")
    return sorted(p.parent.name for p in Path(ws.submitted_dir).glob(f"*/{module}") if p.is_dir())
