"""What notebooks import: ``from netmarketing import learner``.

- :func:`learner_id`, :func:`whoami`: who is working, and on which data variant;
- :func:`load`, :func:`table_names`: your own tables (:mod:`.data`);
- :func:`submit`: hand in a graded item's answers and see its self-check (:mod:`.handin`);
- :func:`save_answer`, :func:`saved_answer`: answers given through a widget, kept beside the notebook;
- :func:`setup_charts`: Chinese fonts for matplotlib and seaborn (``learner.charts``);
- :func:`setup_display`: tables shown as a report does: NT$, percentages, ``—`` for missing
  values (:mod:`.display`); :func:`money`, :func:`percent` format one number the same way;
- ``learner.widgets``: interactive explorers, imported on first use (ipywidgets is heavy).

Importing it in a notebook kernel also makes an unanswered answer cell say, in zh-TW, which
exercise still needs an answer (:func:`.handin.explain_unanswered`).

Nothing here leads to an answer key: the tables are all a kernel gets.
"""

from __future__ import annotations

import importlib
from typing import Any

from netmarketing.learner.data import learner_scale, load, table_names
from netmarketing.learner.display import money, percent, setup_display
from netmarketing.learner.handin import explain_unanswered, submit, submitted
from netmarketing.learner.identity import learner_id, whoami
from netmarketing.learner.saved import save_answer, saved_answer

__all__ = [
    "check",
    "learner_id",
    "learner_scale",
    "load",
    "money",
    "percent",
    "save_answer",
    "saved_answer",
    "setup_charts",
    "setup_display",
    "submit",
    "submitted",
    "table_names",
    "whoami",
    "widgets",
]

# In a notebook, an untouched answer cell ("raise NotImplementedError()") names its exercise in zh-TW.
explain_unanswered()

# Heavy or optional modules, imported on first use.
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
