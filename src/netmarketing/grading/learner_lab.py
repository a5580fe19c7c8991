"""The learner's own JupyterLab server (``netmarketing lab``): its nbgrader settings and a local exchange.

A self-study learner on one machine gets the same Validate → Submit loop as a class on a
JupyterHub, through nbgrader's documented exchange layout under the workspace
(``$NETMARKETING_EXCHANGE`` or ``autograder/exchange``)::

    <exchange>/<course id>/outbound/<module>/                          released copies
    <exchange>/<course id>/inbound/<learner>+<module>+<time>+<random>/  what "繳交" (Submit) hands in

``netmarketing lab`` publishes each freshly released module to ``outbound`` (nbgrader's
``release_assignment``); the learner's copies in ``autograder/release/`` are already "downloaded",
so the assignment list offers 繳交 (Submit) at once. The instructor side collects the
submissions with nbgrader's ``collect`` (``nbgrader collect MODULE`` run in ``autograder/``,
or ``Workspace.api().collect(MODULE)``) into ``submitted/<learner>/<module>/``.
Submissions carry the learner id the notebooks use (:func:`netmarketing.learner.identity.learner_id`).

nbgrader's exchange does not work on Windows; there the assignment list is hidden and learners
hand in their saved notebooks the way their instructor says.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from netmarketing.grading.validator_texts import configure_validator
from netmarketing.grading.workspace import Workspace

if TYPE_CHECKING:
    from traitlets.config import Config

#: nbgrader's assignment list (fetch, submit, feedback); it needs the exchange.
ASSIGNMENT_LIST_EXTENSION = "@jupyter/nbgrader:assignment-list"


def exchange_works() -> bool:
    """Return whether nbgrader's file exchange works on this system (it refuses Windows)."""
    return sys.platform != "win32"


def configure_learner(c: Config, workspace_root: str | Path) -> Config:
    """Write the nbgrader settings of a learner's server into ``c`` and return ``c``.

    Parameters
    ----------
    c : traitlets.config.Config
        The configuration nbgrader's lab handlers load (``nbgrader_config.py`` on the config path).
    workspace_root : str or Path
        The ``autograder/`` folder whose exchange the learner submits to.
    """
    from netmarketing.learner.identity import learner_id

    ws = Workspace(Path(workspace_root))
    configure_validator(c)
    c.CourseDirectory.course_id = ws.course_id
    # The learner's id, not the account name nbgrader would use (root, a laptop's user name).
    c.CourseDirectory.student_id = learner_id()
    c.Exchange.root = str(ws.exchange_dir)
    # Submitted copies are remembered per workspace, so two workspaces never mix their lists.
    c.Exchange.cache = str(ws.root / ".learner-lab" / "nbgrader_cache")
    return c


def write_learner_nbgrader_config(ws: Workspace, config_dir: Path) -> Path:
    """Write ``nbgrader_config.py`` for the learner's server into ``config_dir`` and return its path.

    The file is evaluated by the server each time nbgrader acts, so the learner id comes from the
    server's environment (e.g. ``netmarketing lab --learner ID``).
    """
    path = Path(config_dir) / "nbgrader_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by `netmarketing lab`: nbgrader settings of the learner's own JupyterLab server.\n"
        "from netmarketing.grading.learner_lab import configure_learner\n\n"
        f"configure_learner(get_config(), {str(ws.root)!r})  # noqa: F821 - traitlets provides get_config\n",
        encoding="utf-8",
    )
    return path


def publish(ws: Workspace, modules: list[str]) -> list[str]:
    """Copy the learner copies of ``modules`` to the exchange's ``outbound`` folder; return those published.

    Raises
    ------
    RuntimeError
        With nbgrader's log, when the exchange cannot be written.
    """
    if not exchange_works():
        return []
    from traitlets.config import Config

    config = Config()
    config.ExchangeReleaseAssignment.force = True  # a fresh learner copy replaces the old one
    api = ws.api(config)
    for module in modules:
        result = api.release_assignment(module)
        if not result["success"]:
            raise RuntimeError(
                f"無法把單元 {module} 放到作業交換區 {ws.exchange_dir} (release to the exchange failed):\n"
                f"{result.get('log', '')}{result.get('error', '')}"
            )
    return list(modules)


def unpublished(ws: Workspace, modules: list[str]) -> list[str]:
    """Return the modules that have no copy in the exchange's ``outbound`` folder yet."""
    outbound = ws.exchange_dir / str(ws.course_id) / "outbound"
    return [m for m in modules if not (outbound / m).is_dir()]
