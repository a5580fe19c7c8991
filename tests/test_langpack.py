"""Is the course's zh-TW language pack what its gettext sources say, and does it cover what learners see?"""

from __future__ import annotations

import json

from traitlets.config import Config

from netmarketing.grading.langpack import compile_pack, langpack_dir, merged_messages, messages_dir
from netmarketing.grading.learner_lab import configure_learner
from netmarketing.grading.validator_texts import VALIDATOR_TEXTS, configure_validator
from netmarketing.grading.workspace import Workspace

ROOT = langpack_dir()


def test_committed_catalogs_are_compiled_from_the_po_sources(tmp_path):
    """Are the committed .json/.mo files exactly what `python -m netmarketing.grading.langpack` writes?"""
    written = compile_pack(ROOT, tmp_path)
    assert written
    for path in written:
        committed = messages_dir(ROOT) / path.name
        assert committed.is_file(), (
            f"{committed.name} is not committed: run python -m netmarketing.grading.langpack"
        )
        assert committed.read_bytes() == path.read_bytes(), f"{committed.name} is stale: recompile the pack"


def test_course_entries_win_over_upstream():
    """Does a course correction replace upstream's wrong 「執行所有下方區塊」 for Run All Above Selected Cell?"""
    merged = merged_messages(ROOT, "jupyterlab")  # upstream first, the course's entries over it
    assert merged[(None, "Run All Above Selected Cell")][1] == ("執行選取儲存格上方的所有儲存格",)
    served = json.loads((messages_dir(ROOT) / "jupyterlab.json").read_text(encoding="utf-8"))
    assert served["Run All Above Selected Cell"] == ["執行選取儲存格上方的所有儲存格"]
    assert served["Kernel: %1"] == ["核心：%1"]  # an upstream entry the course keeps
    # The JSON header's version must parse, so JupyterLab can merge package catalogs into it.
    assert served[""]["version"].startswith("4.5")


def test_menu_bar_titles_and_nbgrader_texts_are_translated():
    """Are the menu bar titles and nbgrader's Validate texts in the served catalogs?"""
    served = json.loads((messages_dir(ROOT) / "jupyterlab.json").read_text(encoding="utf-8"))
    titles = [
        served.get(f"menu\x04{t}", [None])[0]
        for t in ("File", "Edit", "View", "Run", "Kernel", "Tabs", "Settings", "Help")
    ]
    assert titles == ["檔案", "編輯", "檢視", "執行", "核心", "分頁", "設定", "說明"]
    nbgrader = json.loads((messages_dir(ROOT) / "nbgrader.json").read_text(encoding="utf-8"))
    assert nbgrader[""]["domain"] == "nbgrader"
    for english in (
        "Validate",
        "Validation Results",
        "The following cell failed:",
        "Submit",
        "Error fetching courses!",
    ):
        assert english in nbgrader and nbgrader[english][0] != english


def test_validator_texts_are_zh_tw_and_keep_nbgrader_placeholders():
    """Does every Validator text keep nbgrader's placeholder and read in zh-TW, on both servers' configs?"""
    from nbgrader.validator import Validator

    defaults = Validator()
    for name, text in VALIDATOR_TEXTS.items():
        placeholder = getattr(defaults, name).split("{")[1].split("}")[0]
        assert "{" + placeholder + "}" in text, name
        assert text.endswith("\n") and not text.isascii(), name
    configured = Validator(config=configure_validator(Config()))
    assert configured.failed_warning == VALIDATOR_TEXTS["failed_warning"]
    assert Workspace.default().config().Validator.failed_warning == VALIDATOR_TEXTS["failed_warning"]


def test_learner_config_points_to_the_workspace_exchange(tmp_path, monkeypatch):
    """Does a learner's server submit as the learner id, to the workspace's exchange, in the course?"""
    monkeypatch.setenv("NETMARKETING_LEARNER", "s042")
    monkeypatch.delenv("NETMARKETING_EXCHANGE", raising=False)
    c = configure_learner(Config(), tmp_path)
    assert c.CourseDirectory.student_id == "s042"
    assert c.Exchange.root == str(tmp_path.resolve() / "exchange")
    assert c.CourseDirectory.course_id == Workspace(tmp_path).course_id
    assert c.Validator.changed_warning == VALIDATOR_TEXTS["changed_warning"]
