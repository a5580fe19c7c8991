"""What notebooks import: ``from netmarketing import learner``.

- :func:`learner_id`, :func:`learner_seed`, :func:`whoami`: who is working and on which variant;
- :func:`load`, :func:`my_world`: the learner's variant of the data;
- :func:`setup_charts`: Chinese fonts for matplotlib and seaborn (``learner.charts``);
- :func:`check` and friends: visible self-checks (``learner.selfcheck``);
- ``learner.widgets``: interactive explorers, imported on first use (ipywidgets is heavy).
"""

from __future__ import annotations

import importlib
from typing import Any

from netmarketing.learner.data import learner_scale, load, my_world
from netmarketing.learner.identity import learner_id, learner_seed, whoami

__all__ = [
    "check",
    "learner_id",
    "learner_scale",
    "learner_seed",
    "load",
    "my_world",
    "setup_charts",
    "whoami",
    "widgets",
]

# Names served by sibling modules owned by other helpers; imported on first use,
# so this package imports even while one of them is missing or heavy.
_LAZY = {
    "setup_charts": ("netmarketing.learner.charts", "setup_charts"),
    "check": ("netmarketing.learner.selfcheck", "check"),
    "selfcheck": ("netmarketing.learner.selfcheck", None),
    "charts": ("netmarketing.learner.charts", None),
    "widgets": ("netmarketing.learner.widgets", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'netmarketing.learner' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value
