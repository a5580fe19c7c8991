"""Does a learner's feedback teach: one page per notebook, Markdown rendered, widgets in words, messages that say
what to fix, written answers with their rubric levels and comment, and nothing from the answer key?

Fast tests: the executed notebook and the grader's record are made by hand (no kernel).
"""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from test_formgrader import day  # the small course of tests/fixtures/instructor_day.py

from netmarketing.certify.manual import read_manual_grade, render_record
from netmarketing.certify.rubrics import load_rubrics
from netmarketing.grading import integrity
from netmarketing.grading.feedback import HIDDEN_OUTPUT, INDEX, widget_summary, write_feedback

MESSAGE = "total 不等於 0 到 9 的總和：請回到練習 1 檢查 range 的上下限"
COMMENT = "說明清楚；下次請附上驗算。"
RAW_HTML = "<script>alert('x')</script>"
WIDGET_STATE = {
    "box": {"state": {"_model_name": "VBoxModel", "children": ["IPY_MODEL_pick", "IPY_MODEL_note"]}},
    "pick": {
        "state": {
            "_model_name": "DropdownModel",
            "description": "主要通路",
            "_options_labels": ["官網", "momo", "蝦皮"],
            "index": 2,
        }
    },
    "note": {"state": {"_model_name": "TextModel", "description": "理由", "value": "客單價最高"}},
}
WIDGET_REPR = "VBox(children=(Dropdown(description='主要通路'"


def _stream(text: str, name: str = "stdout") -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name=name, text=text)


@pytest.fixture
def course(tmp_path: Path) -> dict:
    """Write the instructor's notebooks (one with a written answer, one plain) and a learner's executed copy."""
    source = nbformat.from_dict(day.source_notebook())
    folder = tmp_path / "course" / day.MODULE
    folder.mkdir(parents=True)
    nbformat.write(source, str(folder / f"{day.NOTEBOOK}.ipynb"))
    second = nbformat.v4.new_notebook()
    second.cells = [nbformat.v4.new_markdown_cell("# 第二本筆記本 (second)\n\n只有說明。")]
    nbformat.write(second, str(folder / "second.ipynb"))

    executed = integrity.release_version(source)
    cells = {integrity.nbgrader_meta(c).get("grade_id"): c for c in executed.cells}
    cells["ex1"].source = "total = sum(range(9))"
    cells[day.WRITTEN].source = "總和是 45，因為從 0 加到 9。"
    cells["setup_identity"].outputs = [_stream("學員代號 (learner id)：s01\n")]
    cells["p1_1_1__total"].outputs = [
        nbformat.v4.new_output(
            "error",
            ename="ValueError",
            evalue="total 不對",
            traceback=["Traceback (most recent call last)", "File /srv/grader/frame.py:12, in helper"],
        )
    ]
    mine = nbformat.v4.new_markdown_cell(f"## 我的筆記\n\n**重點**：官網最好。<br/>{RAW_HTML}")
    widget = nbformat.v4.new_code_cell("show_choice()")
    widget.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "box", "version_major": 2},
                "text/plain": WIDGET_REPR,
            },
        )
    ]
    chart = nbformat.v4.new_code_cell("plot()")
    chart.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    ]
    executed.cells[3:3] = [mine, widget, chart]
    executed.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": WIDGET_STATE}}
    executed_path = tmp_path / "autograded" / f"{day.NOTEBOOK}.ipynb"
    executed_path.parent.mkdir()
    nbformat.write(executed, str(executed_path))

    rubrics_dir = tmp_path / "rubrics"
    rubrics_dir.mkdir()
    (rubrics_dir / "fixture_memo.yaml").write_text(day.RUBRIC, encoding="utf-8")
    rubrics = load_rubrics(rubrics_dir)
    grades = {
        "p1_1_1__total": {"score": 0.0, "max_score": 2.0, "kind": "auto", "message_zh": MESSAGE},
        "p1_1_2__shout": {"score": 1.0, "max_score": 1.0, "kind": "auto", "message_zh": "正確。"},
        day.WRITTEN: {"score": None, "max_score": 2.0, "kind": "manual", "message_zh": None},
    }
    record = {
        "student": "s01",
        "module": day.MODULE,
        "status": "graded",
        "issues": [],
        "notebooks": {day.NOTEBOOK: {"grades": grades}, "second": {"grades": {}}},
    }
    submission = tmp_path / "submitted"
    submission.mkdir()
    (submission / "timestamp.txt").write_text("2025-03-01 10:00:00 UTC\n", encoding="utf-8")
    (submission / "submission_secret.txt").write_text("abc", encoding="utf-8")
    return {
        "sources": sorted(folder.glob("*.ipynb")),
        "executed": {day.NOTEBOOK: executed_path},
        "record": record,
        "rubrics": rubrics,
        "out": tmp_path / "feedback" / "s01" / day.MODULE,
        "submission": submission,
    }


def _graded(rubrics: dict, levels: list[int]) -> dict:
    grade = read_manual_grade(
        render_record(rubrics["fixture_memo"], levels, grader="王老師", comment=COMMENT),
        learner="s01",
        module=day.MODULE,
        notebook=day.NOTEBOOK,
        grade_id=day.WRITTEN,
        gradebook_score=None,
        max_score=2.0,
        rubrics=rubrics,
    )
    return {(day.NOTEBOOK, day.WRITTEN): grade}


def _write(course: dict, manual: dict | None = None) -> dict[str, str]:
    index = write_feedback(
        course["out"],
        course["record"],
        course["sources"],
        course["executed"],
        manual=manual,
        rubrics=course["rubrics"],
        learner_name="陳怡君",
        submission_dir=course["submission"],
    )
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(index.parent.glob("*.html"))}


def _text(page: str) -> str:
    """Return what a reader sees of a page (tags dropped), for checking sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_each_notebook_has_its_own_page_and_the_index_links_them(course):
    """Is there one page per notebook plus an index that links them, each page different?"""
    pages = _write(course)
    assert sorted(pages) == sorted([INDEX, f"{day.NOTEBOOK}.html", "second.html"])
    assert len(set(pages.values())) == 3
    assert f'href="{day.NOTEBOOK}.html"' in pages[INDEX] and 'href="second.html"' in pages[INDEX]
    assert "第二本筆記本" in pages["second.html"] and MESSAGE not in pages["second.html"]
    assert MESSAGE in pages[f"{day.NOTEBOOK}.html"]


def test_markdown_is_rendered_and_the_learners_raw_html_escaped(course):
    """Is Markdown shown rendered (bold, code blocks), never raw, and a learner's HTML shown as text?"""
    page = _write(course)[f"{day.NOTEBOOK}.html"]
    assert "<strong>練習 4</strong>" in page and "**練習 4**" not in page
    assert '<pre><code class="language-python">print(total)' in page
    assert "<strong>重點</strong>" in page
    assert RAW_HTML not in page and "&lt;script&gt;" in page
    assert "官網最好。<br>" in page  # line breaks (course tables use them) are the one tag kept


def test_widgets_are_summarised_in_words(course):
    """Is a widget described by its controls and values, never by its Python repr?"""
    page = _write(course)[f"{day.NOTEBOOK}.html"]
    assert "「主要通路」選了「蝦皮」" in page and "「理由」是「客單價最高」" in page
    assert "VBox(children=" not in page


def test_a_widget_without_saved_state_is_still_described_in_words():
    """Does a widget whose state was not saved get a sentence, not its repr?"""
    summary = widget_summary("missing", {})
    assert summary.startswith("互動元件 (widget)") and "VBox" not in summary


def test_a_failed_item_shows_its_checks_message_and_links_to_its_cell(course):
    """Does a wrong answer get the check's own message (what to fix) and a link to the graded cell?"""
    page = _write(course)[f"{day.NOTEBOOK}.html"]
    row = re.search(r'<tr class="fail">.*?</tr>', page).group(0)
    assert MESSAGE in row and 'href="#cell-p1_1_1__total"' in row
    assert 'id="cell-p1_1_1__total"' in page
    assert "ValueError: total 不對" in page
    assert "frame.py" not in page and "Traceback" not in page


def test_a_written_answer_shows_its_criteria_while_pending_and_levels_and_comment_once_graded(course):
    """Before grading: the criteria; after: each criterion's level, the score from the levels and the comment."""
    before = _text(_write(course)[f"{day.NOTEBOOK}.html"])
    assert "說明結果從哪個計算而來" in before and "用語精確" in before
    assert COMMENT not in before and "待講師評分" in before
    after = _text(_write(course, _graded(course["rubrics"], [2, 3]))[f"{day.NOTEBOOK}.html"])
    assert "準則 1：說明結果從哪個計算而來 2（達成） 說出計算方式。" in after
    assert "準則 2：用語精確 3（優異） 用語精確並說明定義。" in after
    assert "得分 (score)：1.7 / 2" in after and COMMENT in after
    index = _text(_write(course, _graded(course["rubrics"], [3, 3]))[INDEX])
    assert "得分 (score)：3 / 5。" in index  # 0 + 1 + 2 (the written answer at full marks)


def test_feedback_never_shows_a_solution_a_check_or_an_exemplar(course):
    """Are locked cells shown as released, even if the executed copy held a solution or check code?"""
    executed = nbformat.read(str(course["executed"][day.NOTEBOOK]), as_version=4)
    test = next(c for c in executed.cells if integrity.nbgrader_meta(c).get("grade_id") == "p1_1_3__positive")
    test.source = f"# {day.SOLUTION_TEXT}\nassert {day.CHECK_CODE}"
    nbformat.write(executed, str(course["executed"][day.NOTEBOOK]))
    pages = _write(course, _graded(course["rubrics"], [2, 2]))
    text = "\n".join(pages.values())
    assert day.SOLUTION_TEXT not in text and day.CHECK_CODE not in text
    assert "BEGIN SOLUTION" not in text
    assert 'submit("p1_1_3__positive", "total")'.replace('"', "&quot;") in pages[f"{day.NOTEBOOK}.html"]
    assert "(0+9)×10÷2" not in text  # a rubric exemplar is for graders, not an answer to copy


def test_a_hidden_test_cells_output_is_withheld(course):
    """Does a cell with a hidden test show a neutral note instead of its output?"""
    source_path = next(p for p in course["sources"] if p.stem == day.NOTEBOOK)
    source = nbformat.read(str(source_path), as_version=4)
    cell = next(c for c in source.cells if integrity.nbgrader_meta(c).get("grade_id") == "p1_1_2__shout")
    cell.source += "\n### BEGIN HIDDEN TESTS\nassert shout == 'SECRET-SHOUT-ANSWER'\n### END HIDDEN TESTS"
    nbformat.write(source, str(source_path))
    executed = nbformat.read(str(course["executed"][day.NOTEBOOK]), as_version=4)
    target = next(c for c in executed.cells if integrity.nbgrader_meta(c).get("grade_id") == "p1_1_2__shout")
    target.source = copy.deepcopy(cell.source)
    target.outputs = [_stream("assert shout == 'SECRET-SHOUT-ANSWER'\n", "stderr")]
    nbformat.write(executed, str(course["executed"][day.NOTEBOOK]))
    page = _write(course)[f"{day.NOTEBOOK}.html"]
    assert "SECRET-SHOUT-ANSWER" not in page and HIDDEN_OUTPUT in page


def test_the_folder_holds_exactly_this_feedback_and_what_release_needs(course):
    """Is anything else in the folder removed, and are timestamp.txt and submission_secret.txt copied?"""
    stray = course["out"] / "answers" / day.NOTEBOOK
    stray.mkdir(parents=True)
    (stray / "answer.json").write_text(json.dumps({"total": 44}), encoding="utf-8")
    _write(course)
    assert sorted(p.name for p in course["out"].iterdir()) == sorted(
        [INDEX, f"{day.NOTEBOOK}.html", "second.html", "timestamp.txt", "submission_secret.txt"]
    )


class _Outline(HTMLParser):
    """Collect what an accessibility scan looks at first: language, headings, table headers, images."""

    def __init__(self) -> None:
        super().__init__()
        self.lang, self.headings, self.th_without_scope, self.img_without_alt, self.tables = "", [], 0, 0, 0
        self.captions = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang", "")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "th" and not attrs.get("scope"):
            self.th_without_scope += 1
        elif tag == "img" and not (attrs.get("alt") or "").strip():
            self.img_without_alt += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1


@pytest.mark.parametrize("graded", [False, True])
def test_pages_have_language_headings_table_headers_and_text_alternatives(course, graded):
    """Does every page declare zh-Hant-TW, have one h1 and no skipped heading level, scoped headers,
    captioned tables and an alt text on every image?"""
    manual = _graded(course["rubrics"], [1, 2]) if graded else None
    for name, page in _write(course, manual).items():
        outline = _Outline()
        outline.feed(page)
        assert outline.lang == "zh-Hant-TW", name
        assert outline.headings.count(1) == 1 and outline.headings[0] == 1, name
        jumps = [b - a for a, b in zip(outline.headings, outline.headings[1:], strict=False)]
        assert max(jumps, default=0) <= 1, (name, outline.headings)
        assert outline.th_without_scope == 0, name
        assert outline.tables == outline.captions, name
        assert outline.img_without_alt == 0, name
    assert "<img" in _write(course)[f"{day.NOTEBOOK}.html"]


@pytest.mark.parametrize("graded", [False, True])
def test_feedback_pages_pass_axe_in_a_browser(course, page, axe, graded):
    """Do the index and the notebook page pass axe-core (no serious or critical violation), before and after
    the written answer is graded, with the Markdown, the widget sentence and the chart's text alternative shown?"""
    manual = _graded(course["rubrics"], [2, 3]) if graded else None
    _write(course, manual)
    for name in (INDEX, f"{day.NOTEBOOK}.html"):
        page.goto((course["out"] / name).as_uri())
        found = axe(page)
        assert not found, f"{name}: {found}"
    assert page.get_by_role("img", name=re.compile("程式產生的圖表")).count() == 1
    assert page.locator(".md strong", has_text="練習 4").count() == 1
    if graded:
        assert COMMENT in page.locator(".comment").inner_text()
