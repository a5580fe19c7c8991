"""nbgrader's Validate messages in zh-TW (the configurable texts of ``nbgrader.validator.Validator``).

``nbgrader validate`` prints these warnings; ``{num_changed}``, ``{num_failed}`` and
``{num_passed}`` are filled in by nbgrader. The texts of the Validate dialog in JupyterLab
come from nbgrader's lab extension and are translated by the course's language pack
(``langpack/po/nbgrader.po``). Used by the instructor's configuration
(:meth:`netmarketing.grading.workspace.Workspace.configure`) and by the learners' servers
(:func:`netmarketing.grading.learner_lab.configure_learner`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traitlets.config import Config

#: ``Validator`` trait name -> zh-TW text (nbgrader ends each with a newline).
VALIDATOR_TEXTS = {
    "type_changed_warning": (
        "有 {num_changed} 個儲存格的類型被改變了！現在測試也許會通過，但評分時不會通過。"
        "請把它們改回原本的類型（或重新下載作業）。\n"
    ),
    "changed_warning": (
        "有 {num_changed} 個測試儲存格的內容被修改了！現在測試也許會通過，但評分時不會通過。"
        "請不要修改測試儲存格。\n"
    ),
    "failed_warning": (
        "有 {num_failed} 個儲存格沒有通過檢查！如果現在就繳交，這些題目拿不到全部分數。"
        "請依下面的說明修正後再檢查一次。\n"
    ),
    "passed_warning": "筆記本有 {num_passed} 個儲存格通過了檢查！\n",
}


def configure_validator(c: Config) -> Config:
    """Set nbgrader's ``Validator`` texts of ``c`` to zh-TW and return ``c``.

    Examples
    --------
    >>> from traitlets.config import Config
    >>> c = configure_validator(Config())
    >>> "{num_failed}" in c.Validator.failed_warning
    True
    """
    for name, text in VALIDATOR_TEXTS.items():
        setattr(c.Validator, name, text)
    return c
