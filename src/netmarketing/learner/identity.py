"""Who the learner is, and therefore which variant of the data they work on.

The learner id is resolved in this order (first hit wins):

1. the environment variable ``NETMARKETING_LEARNER`` (set by the autograder for
   each submission, see :func:`netmarketing.grading.identity.kernel_env_for`);
2. the environment variable ``JUPYTERHUB_USER`` (set by JupyterHub in every
   learner's server);
3. the first line of ``~/.netmarketing/learner.txt`` (a configured name for
   self-study on one's own machine; the folder can be moved with
   ``NETMARKETING_HOME``);
4. ``"self-study"``.

The data seed is ``netmarketing.data.seed_for(learner_id())``: every learner has
the same tables with other numbers, and hidden tests recompute the expected
answers from the same seed.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_LEARNER = "NETMARKETING_LEARNER"
ENV_HUB_USER = "JUPYTERHUB_USER"
ENV_HOME = "NETMARKETING_HOME"
DEFAULT_LEARNER = "self-study"
#: The line :func:`whoami` prints; :func:`netmarketing.grading.identity.check_identity_marker`
#: reads it back from a saved notebook.
MARKER_LABEL = "學員代號 (learner id)："


def learner_file() -> Path:
    """Return the file that holds a configured self-study learner id."""
    home = os.environ.get(ENV_HOME)
    base = Path(home) if home else Path.home() / ".netmarketing"
    return base / "learner.txt"


def learner_id() -> str:
    """Return the id of the learner this kernel works for.

    Returns
    -------
    str
        ``$NETMARKETING_LEARNER``, else ``$JUPYTERHUB_USER``, else the first line
        of ``~/.netmarketing/learner.txt``, else ``"self-study"``.
    """
    for name in (ENV_LEARNER, ENV_HUB_USER):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    try:
        lines = learner_file().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    if lines and lines[0].strip():
        return lines[0].strip()
    return DEFAULT_LEARNER


def learner_seed() -> int:
    """Return the data seed of the current learner's variant."""
    from netmarketing.data import seed_for

    return int(seed_for(learner_id()))


def whoami() -> str:
    """Print the learner id and the data variant, and return the learner id.

    The printed line is the identity marker that the autograder compares with
    the submitting learner, so keep the cell that calls it.
    """
    lid = learner_id()
    print(f"{MARKER_LABEL}{lid}")
    try:
        print(f"資料版本 (data variant)：seed {learner_seed()}")
    except ImportError:  # data room not installed: the id is still worth showing
        pass
    return lid
