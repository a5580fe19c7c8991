"""The instructor's steps on a class hub, run as the grader account in the course folder.

- :func:`release`: generate the learner copies of modules and put them in the exchange;
- :func:`collect`: take the learners' latest submissions from the exchange into ``submitted/``;
- grading is ``netmarketing grade MODULE`` (the trusted pipeline), unchanged;
- :func:`release_feedback`: send the course's feedback (``feedback/<learner>/<module>/index.html``)
  to each learner through the exchange, where their assignment list finds it.

nbgrader's ``release_feedback`` expects one ``<notebook>.html`` per submitted notebook next to the
submission's ``timestamp.txt`` and ``submission_secret.txt``; the course writes one page per module.
:func:`release_feedback` therefore stages that page under each notebook's name, with the secret
from the collected submission, and lets nbgrader publish it (so the file names match what the
learner's "Fetch Feedback" looks for).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from netmarketing.grading.workspace import Workspace

STAGING = ".hub-feedback"
FEEDBACK_PAGE = "index.html"


class InstructorError(RuntimeError):
    """A step nbgrader refused (message in zh-TW with nbgrader's log)."""


def _check(result: dict | None, what: str) -> str:
    if not result or not result.get("success"):
        log = (result or {}).get("log", "") + (result or {}).get("error", "")
        raise InstructorError(f"{what} 失敗 (failed):\n{log[-3000:]}")
    return result.get("log", "")


def _api(ws: Workspace, *, feedback_directory: str | None = None, force: bool = False):
    from traitlets.config import Config

    extra = Config()
    extra.ExchangeFactory.collect = "netmarketing.hub.exchange.OwnerCheckedCollect"
    extra.ExchangeReleaseAssignment.force = force
    if feedback_directory:
        extra.CourseDirectory.feedback_directory = feedback_directory
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


@dataclass
class FeedbackReport:
    """Who got feedback, and who was skipped and why."""

    released: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def stage_feedback(ws: Workspace, module: str) -> FeedbackReport:
    """Lay out the course's feedback the way nbgrader's ``release_feedback`` reads it (``.hub-feedback/``)."""
    report = FeedbackReport()
    staging_root = Path(ws.root) / STAGING
    for page in sorted(Path(ws.feedback_dir).glob(f"*/{module}/{FEEDBACK_PAGE}")):
        learner = page.parent.parent.name
        submitted = Path(ws.submission_dir(learner, module))
        secret = submitted / "submission_secret.txt"
        stamp = submitted / "timestamp.txt"
        notebooks = sorted(p.stem for p in submitted.glob("*.ipynb"))
        if not (secret.is_file() and stamp.is_file() and notebooks):
            report.skipped[learner] = (
                "繳交不是從交換資料夾收取的（沒有 submission_secret.txt）(not collected from the exchange)"
            )
            continue
        target = staging_root / learner / module
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for notebook in notebooks:
            shutil.copyfile(page, target / f"{notebook}.html")
        shutil.copyfile(secret, target / "submission_secret.txt")
        shutil.copyfile(stamp, target / "timestamp.txt")
        report.released.append(learner)
    return report


def release_feedback(ws: Workspace, module: str) -> FeedbackReport:
    """Release the course's feedback of ``module`` to every learner who has it; return who got it."""
    report = stage_feedback(ws, module)
    if report.released:
        api = _api(ws, feedback_directory=STAGING)
        _check(api.release_feedback(module), f"發布 {module} 的回饋 (release_feedback)")
    return report
