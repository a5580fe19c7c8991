"""A learner's first hours, without a browser: marks, unanswered exercises, identity in feedback data.

The real-browser walk through the same hours is ``tests/test_first_hours_browser.py``.
"""

from __future__ import annotations

import linecache
import sys

import nbformat
import pytest

from netmarketing.grading.workspace import CODE_STUB, exercise_of, kernel_language_info, prepare_learner_copy
from netmarketing.learner import handin


def test_pass_and_fail_differ_by_mark_word_colour_and_stream(capsys):
    """Does a passing line read ✅ 通過 in green on stdout, and a failing one ❌ 需修正 in red on stderr?"""
    handin._say(True, "好")
    handin._say(False, "壞")
    out, err = capsys.readouterr()
    assert out.startswith("✅ \x1b[1;32m通過\x1b[0m｜好")
    assert err.startswith("❌ \x1b[1;31m需修正\x1b[0m｜壞")
    assert "需修正" not in out and "通過" not in err


def raise_from_cell(source: str) -> tuple[BaseException, object]:
    """Run ``source`` as IPython runs a cell (its text in linecache) and return the error and its traceback."""
    name = f"<cell-test-{len(linecache.cache)}-{hash(source)}>"
    linecache.cache[name] = (
        len(source),
        None,
        source.splitlines(keepends=True),
        name,
    )  # as IPython keeps cells
    try:
        exec(compile(source, name, "exec"), {})
    except BaseException as exc:  # the point of the helper
        return exc, exc.__traceback__
    raise AssertionError("the cell did not raise")


def test_an_untouched_stub_names_its_exercise():
    """Does the stub under 「# 練習 1（0-1）作答區」 tell which exercise is unanswered, in zh-TW?"""
    error, tb = raise_from_cell(
        f"# 作答：n_orders = ...\n# 練習 1（0-1）作答區\n{CODE_STUB}\nprint(n_orders)\n"
    )
    assert handin.unanswered_exercise(error, tb) == "練習 1（0-1）"
    message = handin.unanswered_message("練習 1（0-1）")
    assert "練習 1（0-1）還沒作答" in message and "raise NotImplementedError()" in message


def test_a_stub_without_its_label_is_still_explained():
    """Is a stub that lost its label line explained as 「這一格還沒作答」?"""
    error, tb = raise_from_cell(CODE_STUB + "\n")
    assert handin.unanswered_exercise(error, tb) == ""
    assert "這一格還沒作答" in handin.unanswered_message("")


@pytest.mark.parametrize(
    "source",
    [
        "raise NotImplementedError('pandas cannot do this')\n",  # a message: someone else's error
        "def f():\n    raise NotImplementedError()\n\nf()\n",  # raised inside a function, not by the stub
        "x = 1\nraise ValueError()\n",
    ],
)
def test_other_errors_keep_their_traceback(source):
    """Does any error other than the untouched stub keep IPython's usual traceback?"""
    error, tb = raise_from_cell(f"# 練習 1（0-1）作答區\n{source}")
    assert handin.unanswered_exercise(error, tb) is None


class FakeShell:
    """The two IPython methods the handler uses."""

    def __init__(self):
        self.custom_exceptions = ()
        self.shown = []

    def set_custom_exc(self, exceptions, handler):
        self.custom_exceptions = exceptions
        self.handler = handler

    def showtraceback(self, exc_tuple, tb_offset=None):
        value = exc_tuple[1]
        self.shown.append(value._render_traceback_() if hasattr(value, "_render_traceback_") else "usual")


def test_the_kernel_shows_one_zh_tw_sentence_for_a_stub():
    """Once installed, does a kernel show the stub's error as one zh-TW sentence, and other errors as usual?"""
    shell = FakeShell()
    assert handin.explain_unanswered(shell)
    assert shell.custom_exceptions == (NotImplementedError,)
    error, tb = raise_from_cell(f"# 練習 2（0-2）作答區\n{CODE_STUB}\n")
    shell.handler(shell, type(error), error, tb)
    other, other_tb = raise_from_cell("raise NotImplementedError('x')\n")
    shell.handler(shell, type(other), other, other_tb)
    assert len(shell.shown[0]) == 1 and "練習 2（0-2）還沒作答" in shell.shown[0][0]
    assert shell.shown[1] == "usual"


def test_another_custom_handler_is_left_alone():
    """Does explain_unanswered() leave a kernel that already has its own exception handler unchanged?"""
    shell = FakeShell()
    shell.custom_exceptions = (KeyError,)
    assert not handin.explain_unanswered(shell)
    assert shell.custom_exceptions == (KeyError,)
    assert not handin.explain_unanswered(None) or "IPython" in sys.modules


def released(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def answer(source: str, grade_id: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False, "grade_id": grade_id}
    return cell


def test_release_names_each_answer_cell_by_its_exercise(tmp_path):
    """Does the learner copy say above each stub which exercise it is (from the items, else the heading), once?"""
    written = nbformat.v4.new_markdown_cell("請在此作答 (YOUR ANSWER HERE)")
    written.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "memo", "points": 1}
    nb = released(
        nbformat.v4.new_markdown_cell("### 練習 1：訂單有幾筆？"),
        answer(f"# 作答：n_orders = ...\n{CODE_STUB}\nprint(n_orders)", "a1"),
        nbformat.v4.new_code_cell('submit("practice__n_orders", "n_orders")'),
        nbformat.v4.new_markdown_cell("### 練習 7：沒有登記的題目"),
        answer(CODE_STUB, "a7"),
        nbformat.v4.new_code_cell('submit("p9_9_9__unknown", "x")'),
        answer("x = 1  # answered already", "a8"),
        written,
    )
    path = tmp_path / "release.ipynb"
    nbformat.write(nb, str(path))
    prepare_learner_copy(path)
    prepare_learner_copy(path)  # a second pass does not add a second label
    cells = nbformat.read(str(path), as_version=4).cells
    assert cells[1].source == f"# 作答：n_orders = ...\n# 練習 1（0-1）作答區\n{CODE_STUB}\nprint(n_orders)"
    assert cells[4].source == f"# 練習 7作答區\n{CODE_STUB}"
    assert cells[6].source == "x = 1  # answered already"
    assert (
        cells[7].source == "請在此作答 (YOUR ANSWER HERE)"
    )  # the grader compares written answers with the stub


def test_an_answer_cell_without_submit_or_heading_has_no_exercise():
    """Is an answer cell with no following submit and no 練習 heading left unnamed (None)?"""
    nb = released(nbformat.v4.new_markdown_cell("## 前言"), answer(CODE_STUB, "a"))
    assert exercise_of(nb.cells, 1) is None


def test_the_stub_is_what_the_kernel_recognises():
    """Does nbgrader's code stub start with the line the learner's kernel explains?"""
    assert CODE_STUB.startswith(handin.STUB_RAISE)


def test_a_learner_copy_carries_the_kernels_language_info(tmp_path):
    """Does the learner copy hold the kernel's language_info, so opening it does not mark it as changed?"""
    nb = released(answer("x = 1", "a"))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}  # what the sources hold
    path = tmp_path / "release.ipynb"
    nbformat.write(nb, str(path))
    prepare_learner_copy(path)
    info = nbformat.read(str(path), as_version=4).metadata["language_info"]
    assert info == kernel_language_info()
    assert info["version"] == ".".join(map(str, sys.version_info[:3]))
    assert info["codemirror_mode"] == {"name": "ipython", "version": 3}


def saved_setup(lines: str) -> nbformat.NotebookNode:
    """Return a notebook whose set-up cell was run and saved with ``lines`` as its output."""
    cell = nbformat.v4.new_code_cell("LEARNER_ID = learner.whoami()")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=lines)]
    return released(cell)


def test_a_notebook_saved_in_self_study_mode_is_explained_not_flagged():
    """Does feedback data explain, in zh-TW, a notebook saved in self-study mode, without flagging it?"""
    from netmarketing.grading.identity import identity_issues
    from netmarketing.learner.identity import MARKER_LABEL, VARIANT_LABEL

    nb = saved_setup(f"{MARKER_LABEL}s001\n{VARIANT_LABEL}self-study\n")
    issues = identity_issues(nb, "s001", "v-s001", "o1_getting_started")
    assert [(i.code, i.status) for i in issues] == [("self_study_run", "graded")]
    assert "自學模式" in issues[0].reason_zh and "你的資料版本" in issues[0].reason_zh
    own = saved_setup(f"{MARKER_LABEL}s001\n{VARIANT_LABEL}v-s001\n")
    assert identity_issues(own, "s001", "v-s001", "o1_getting_started") == []
