"""Tests of the competency standard KMC2431-008v1 as data (netmarketing.standard).

The expected structure below is typed in from the published standard (not from the
loader's output): duties, tasks, K/S codes per task, outputs, indicators, note markers.
"""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest
import yaml

from netmarketing.cli import main
from netmarketing.standard import (
    Indicator,
    StandardDataError,
    Task,
    UnknownCodeError,
    load_standard,
    parse_standard,
    read_standard,
)
from netmarketing.standard.loader import DATA_FILE

DUTIES = {"T1": "市場分析", "T2": "策略規劃", "T3": "成效分析"}

TASKS = {
    # code: (duty, zh name, K codes, S codes, outputs)
    "T1.1": ("T1", "釐訂市場分析範疇", "K01 K02 K03 K04 K05 K06 K07", "S01", ""),
    "T1.2": ("T1", "定位市場與客群", "K02 K06 K08 K09 K10", "S02 S03 S04 S05", "O1.2.1"),
    "T2.1": ("T2", "規劃行銷目標與計畫", "K02 K05 K06 K09 K10 K11", "S02 S06 S07 S08", "O2.1.1"),
    "T2.2": ("T2", "發展行銷策略", "K02 K05 K06 K09 K10 K11 K12 K13", "S09 S10 S11", ""),
    "T3.1": ("T3", "分析數據", "K07 K14 K15", "S02 S03 S12 S13", "O3.1.1 O3.1.2"),
    "T3.2": ("T3", "產出分析報告與簡報", "K02 K07", "S13 S14 S15 S16", "O3.2.1"),
}

OUTPUTS = {
    "O1.2.1": ("T1.2", "分析報告"),
    "O2.1.1": ("T2.1", "年度計畫"),
    "O3.1.1": ("T3.1", "流量分析報告"),
    "O3.1.2": ("T3.1", "銷售數據分析報告"),
    "O3.2.1": ("T3.2", "市場分析報告"),
}

INDICATOR_TASK = {
    "P1.1.1": "T1.1", "P1.1.2": "T1.1", "P1.1.3": "T1.1",
    "P1.2.1": "T1.2", "P1.2.2": "T1.2", "P1.2.3": "T1.2", "P1.2.4": "T1.2",
    "P2.1.1": "T2.1", "P2.1.2": "T2.1", "P2.1.3": "T2.1",
    "P2.2.1": "T2.2", "P2.2.2": "T2.2",
    "P3.1.1": "T3.1", "P3.1.2": "T3.1", "P3.1.3": "T3.1",
    "P3.2.1": "T3.2", "P3.2.2": "T3.2",
}  # fmt: skip

# Only what the text marks; P2.1.3 mentions 法規 without a marker and so refers to no note.
INDICATOR_NOTES = {
    "P1.1.2": ("註1",),
    "P2.1.2": ("註2",),
    "P2.2.1": ("註3",),
    "P2.2.2": ("註4", "註5"),
    "P3.1.1": ("註6",),
    "P3.1.2": ("註7", "註8"),
    "P3.1.3": ("註9",),
}

UNDERLINED = {
    "P2.1.2": ("可用的資源",),
    "P2.2.1": ("網路行銷平台 (工具)",),
    "P2.2.2": ("策略分析方法", "網路行銷活動方案"),
    "P3.1.1": ("流量分析工具",),
    "P3.1.2": ("流量來源", "訪客的人群屬性"),
    "P3.1.3": ("銷售數據分析報告",),
}

KNOWLEDGE = {
    "K01": "產業現況與發展趨勢", "K02": "組織政策與流程", "K03": "市場分析範疇與架構",
    "K04": "市場分析方法", "K05": "網路行銷相關法規", "K06": "網路行銷概論", "K07": "財務報表概念",
    "K08": "統計方法", "K09": "組織產品與競品分析", "K10": "消費者行為模式", "K11": "成本概念",
    "K12": "策略分析方法", "K13": "網路行銷平台 (工具)", "K14": "流量分析工具使用知識",
    "K15": "大數據資訊概念",
}  # fmt: skip

SKILLS = {
    "S01": "資料蒐集與判斷能力", "S02": "資料分析能力", "S03": "數據統計與分析能力", "S04": "市場定位能力",
    "S05": "客群分析能力", "S06": "計畫撰寫能力", "S07": "資源盤點與分析能力", "S08": "預算規劃能力",
    "S09": "策略規劃能力", "S10": "方案規劃能力", "S11": "溝通協調能力", "S12": "流量分析工具應用能力",
    "S13": "報告撰寫能力", "S14": "視覺化簡報製作能力", "S15": "簡報技巧", "S16": "問題解決能力",
}  # fmt: skip

ATTITUDES = {
    "A01": "持續學習", "A02": "自信心", "A03": "追求卓越",
    "A04": "團隊意識", "A05": "壓力容忍", "A06": "應對不確定性",
}  # fmt: skip

NOTE_TERMS = {
    "註1": "網路行銷相關法規", "註2": "可用資源", "註3": "網路行銷平台（工具）", "註4": "策略分析方法",
    "註5": "網路行銷活動方案", "註6": "流量分析工具", "註7": "流量的來源", "註8": "訪客的人群屬性",
    "註9": "銷售數據分析報告",
}  # fmt: skip

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.fixture(scope="module")
def std():
    return load_standard()


@pytest.fixture()
def raw() -> dict:
    return read_raw()


def read_raw() -> dict:
    from importlib import resources

    text = resources.files("netmarketing.standard").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


# -- counts and codes ------------------------------------------------------------------


def test_counts(std):
    """Does the standard have 3 duties, 6 tasks, 5 outputs, 17 indicators, 15 K, 16 S, 6 A and 9 notes?"""
    counts = {
        "duties": len(std.duties),
        "tasks": len(std.tasks),
        "outputs": len(std.outputs),
        "indicators": len(std.indicators),
        "knowledge": len(std.knowledge),
        "skills": len(std.skills),
        "attitudes": len(std.attitudes),
        "notes": len(std.notes),
    }
    assert counts == {
        "duties": 3,
        "tasks": 6,
        "outputs": 5,
        "indicators": 17,
        "knowledge": 15,
        "skills": 16,
        "attitudes": 6,
        "notes": 9,
    }


def test_codes_in_order(std):
    """Are the codes of every kind exactly the standard's, in the standard's order?"""
    assert std.codes("duty") == tuple(DUTIES)
    assert std.codes("task") == tuple(TASKS)
    assert std.codes("output") == tuple(OUTPUTS)
    assert std.codes("indicator") == tuple(INDICATOR_TASK)
    assert std.codes("knowledge") == tuple(KNOWLEDGE)
    assert std.codes("skill") == tuple(SKILLS)
    assert std.codes("attitude") == tuple(ATTITUDES)
    assert std.codes("note") == tuple(NOTE_TERMS)


def test_metadata(std):
    """Are the code, name, category codes, job description and level those of KMC2431-008v1?"""
    meta = std.metadata
    assert meta.code == "KMC2431-008v1"
    assert meta.name_zh == "網路行銷企劃主管"
    assert meta.level == 4
    assert {k: v["code"] for k, v in meta.categories.items()} == {
        "job_category": "KMC",
        "occupation": "2431",
        "industry": "G4871",
    }
    assert meta.categories["job_category"]["zh"] == "行銷與銷售 / 行銷傳播"
    assert meta.categories["occupation"]["zh"] == "廣告及行銷專業人員"
    assert meta.categories["industry"]["zh"] == "批發及零售業 / 零售業"
    assert meta.job_description_zh == "依組織品牌定位，擬訂行銷目標與規劃年度網路行銷計畫，並進行成效分析。"
    assert std.qualifications_zh == ("大專以上相關科系畢業，且具 3 年以上相關工作經驗。",)


# -- cross-references -----------------------------------------------------------------


def test_duties(std):
    """Does every duty have its zh-TW name?"""
    assert {d.code: d.zh for d in std.duties} == DUTIES


@pytest.mark.parametrize("code", TASKS)
def test_task_links(std, code):
    """Does each task name its duty, its K and S codes and its outputs as the standard does?"""
    duty, name, knowledge, skills, outputs = TASKS[code]
    task = std.task(code)
    assert (task.duty, task.zh, task.level) == (duty, name, 4)
    assert task.knowledge == tuple(knowledge.split())
    assert task.skills == tuple(skills.split())
    assert task.outputs == tuple(outputs.split())


def test_outputs(std):
    """Does each work output belong to its task, with its zh-TW name?"""
    assert {o.code: (o.task, o.zh) for o in std.outputs} == OUTPUTS


def test_indicator_tasks_and_levels(std):
    """Does every indicator belong to its task at level 4?"""
    assert {i.code: i.task for i in std.indicators} == INDICATOR_TASK
    assert {i.level for i in std.indicators} == {4}


def test_indicator_notes(std):
    """Does each indicator refer to exactly the notes its text marks, and no other?"""
    expected = {code: INDICATOR_NOTES.get(code, ()) for code in INDICATOR_TASK}
    assert {i.code: i.notes for i in std.indicators} == expected


def test_note_markers_in_text(std):
    """Does each indicator's zh text carry a marker for every note it refers to (【註N】, or 【N】 as printed)?"""
    for indicator in std.indicators:
        markers = tuple(f"註{n}" for n in re.findall(r"【註?(\d)】", indicator.zh))
        assert markers == indicator.notes, indicator.code


def test_underlined_terms(std):
    """Are the underlined terms recorded, and does each appear in its indicator's text?"""
    expected = {code: UNDERLINED.get(code, ()) for code in INDICATOR_TASK}
    assert {i.code: i.underlined for i in std.indicators} == expected
    for indicator in std.indicators:
        for term in indicator.underlined:
            assert term in indicator.zh


def test_indicators_referencing_each_note(std):
    """Does every note lead back to the indicators that refer to it (註8 -> P3.1.2)?"""
    back = {}
    for indicator, notes in INDICATOR_NOTES.items():
        for note in notes:
            back.setdefault(note, []).append(indicator)
    for note in NOTE_TERMS:
        assert [i.code for i in std.indicators_referencing(note)] == back[note]


def test_competence_names(std):
    """Are the K, S and A names verbatim?"""
    assert {k.code: k.zh for k in std.knowledge} == KNOWLEDGE
    assert {s.code: s.zh for s in std.skills} == SKILLS
    assert {a.code: a.zh for a in std.attitudes} == ATTITUDES
    assert {n.code: n.term_zh for n in std.notes} == NOTE_TERMS


def test_every_k_and_s_is_used_by_a_task(std):
    """Is every K and S code needed by at least one task (none is orphaned)?"""
    used = {c for t in std.tasks for c in t.knowledge + t.skills}
    assert used == set(KNOWLEDGE) | set(SKILLS)


# -- verbatim text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("P1.1.1", "確認蒐集市場資訊的目的、需求及數據途徑。"),
        ("P1.2.4", "依產品市場定位，找出潛在客群並確認其偏好與需求。"),
        ("P2.1.3", "依年度行銷目標，編列年度預算，並遵守網路行銷相關法規，規劃網路行銷計畫。"),
        ("P3.1.2", "分析流量來源【註7】特點、訪客的人群屬性【8】、時空屬性與興趣屬性，並完成流量分析報告。"),
        ("P3.2.2", "將數據分析結果向相關人員進行簡報，並提出檢討改善方案。"),
    ],
)
def test_indicator_text_verbatim(std, code, text):
    """Is the indicator's zh-TW text the standard's, word for word (markers as printed)?"""
    assert std.indicator(code).zh == text


def test_note_and_attitude_text_verbatim(std):
    """Are notes and attitude descriptions word for word?"""
    assert std.note("註2").zh == "【註2】可用資源：如財務、人力、材料、設備等。"
    assert std.note("註8").text_zh == "如年齡、性別、學歷及收入等。"
    assert "線下活動引流（O2O）" in std.note("註7").text_zh
    assert std.note("註1").text_zh.startswith("如公平交易法、廣告物管理辦法、消費者保護法、個人資料保護法")
    assert std.competence("A04").description_zh == "積極參與並支持團隊，能彼此鼓勵共同達成團隊目標。"


def test_every_item_has_zh_and_english(std):
    """Does every item have zh-TW text and an English translation free of Chinese characters?"""
    items = std.duties + std.tasks + std.outputs + std.indicators + std.knowledge + std.skills + std.attitudes
    for item in items:
        assert CJK.search(item.zh), item.code
        assert item.en.strip() and not CJK.search(item.en), item.code
    for attitude in std.attitudes:
        assert attitude.description_en and not CJK.search(attitude.description_en)
    for note in std.notes:
        assert note.text_en and not CJK.search(note.en), note.code


# -- lookups --------------------------------------------------------------------------


def test_bad_indicator_lists_valid_codes(std):
    """Does looking up P9.9.9 raise a KeyError whose message, zh-TW first, lists all 17 indicator codes?"""
    with pytest.raises(KeyError) as info:
        std.indicator("P9.9.9")
    assert isinstance(info.value, UnknownCodeError)
    message = str(info.value)
    assert "P9.9.9" in message
    for code in INDICATOR_TASK:
        assert code in message
    assert "T1.1" not in message  # only the codes of the kind asked for
    assert CJK.search(message).start() < message.index("unknown")


@pytest.mark.parametrize(
    ("lookup", "code", "valid_example"),
    [("task", "T9.9", "T3.2"), ("get", "P9.9.9", "P1.1.1"), ("get", "Z1", "註9"), ("note", "註10", "註1")],
)
def test_bad_lookups_name_valid_codes(std, lookup, code, valid_example):
    """Does every kind of bad lookup name valid codes to choose from?"""
    with pytest.raises(UnknownCodeError, match=re.escape(valid_example)):
        getattr(std, lookup)(code)


def test_get_finds_every_code(std):
    """Does get() return the item of every code of every kind?"""
    for code in std.codes():
        assert std.get(code).code == code
    assert len(std.codes()) == 3 + 6 + 5 + 17 + 15 + 16 + 6 + 9


def test_note_code_spellings(std):
    """Do 註8, 【註8】, 【8】 and N8 all find note 8?"""
    for spelling in ("註8", "【註8】", "【8】", "N8", "n8"):
        assert std.get(spelling).code == "註8"


def test_relations(std):
    """Do the convenience lookups follow the standard's tree?"""
    assert [i.code for i in std.indicators_of("T1.2")] == ["P1.2.1", "P1.2.2", "P1.2.3", "P1.2.4"]
    assert [i.code for i in std.indicators_of("T3")] == [c for c, t in INDICATOR_TASK.items() if t[1] == "3"]
    assert std.duty_of("P2.2.2").code == "T2"
    assert std.duty_of("O3.1.2").code == "T3"
    assert std.task_of("P1.1.3").code == "T1.1"
    assert [n.code for n in std.notes_of("P2.2.2")] == ["註4", "註5"]
    assert std.notes_of("P2.1.3") == ()
    assert [o.code for o in std.outputs_of("T3.1")] == ["O3.1.1", "O3.1.2"]
    assert [t.code for t in std.tasks_of("T2")] == ["T2.1", "T2.2"]
    assert [c.code for c in std.competences_of("T3.2")] == ["K02", "K07", "S13", "S14", "S15", "S16"]
    assert isinstance(std.get("T1.1"), Task) and isinstance(std.get("p1.1.1"), Indicator)


def test_items_are_frozen_and_cached(std):
    """Is the loaded standard immutable and read only once?"""
    with pytest.raises(dataclasses.FrozenInstanceError):
        std.indicator("P1.1.1").task = "T3.2"
    assert load_standard() is load_standard()


# -- validation at load ----------------------------------------------------------------


def test_raw_data_parses(raw):
    """Does the packaged YAML parse into the same standard as load_standard()?"""
    assert parse_standard(raw) == load_standard()


@pytest.mark.parametrize(
    ("breakage", "needle"),
    [
        (lambda d: d["tasks"][0].update(duty="T9"), "T9"),
        (lambda d: d["indicators"][0].update(task="T1.9"), "T1.9"),
        (lambda d: d["indicators"][1].update(notes=["註10"]), "註10"),
        (lambda d: d["tasks"][1]["knowledge"].append("K99"), "K99"),
        (lambda d: d["tasks"][1]["skills"].append("S99"), "S99"),
        (lambda d: d["outputs"][0].update(task="T2.1"), "O1.2.1"),
        (lambda d: d["tasks"][0]["outputs"].append("O9.9.9"), "O9.9.9"),
        (lambda d: d["indicators"].append(dict(d["indicators"][0])), "P1.1.1"),
        (lambda d: d["knowledge"][0].update(code="K1X"), "K1X"),
        (lambda d: d["indicators"].__delitem__(slice(0, 3)), "T1.1"),
        (lambda d: d["notes"][0].pop("text"), "text"),
    ],
)
def test_broken_data_is_refused(raw, breakage, needle):
    """Does loading refuse data whose cross-references do not resolve, naming the culprit?"""
    broken = copy.deepcopy(raw)
    breakage(broken)
    with pytest.raises(StandardDataError, match=re.escape(needle)):
        parse_standard(broken)


def test_read_standard_from_file(tmp_path, raw):
    """Does read_standard() check a file given by path too?"""
    raw["indicators"][0]["task"] = "T7.7"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(StandardDataError, match=re.escape("T7.7")):
        read_standard(path)


# -- CLI ------------------------------------------------------------------------------


def test_cli_show_tree(capsys):
    """Does `netmarketing standard show` print every duty, task, output and indicator?"""
    assert main(["standard", "show"]) == 0
    out = capsys.readouterr().out
    for code in [*DUTIES, *TASKS, *OUTPUTS, *INDICATOR_TASK, "A06", "註9"]:
        assert code in out
    assert "網路行銷企劃主管" in out


def test_cli_show_one_item(capsys):
    """Does `standard show P3.1.2` print its text, task, duty and both notes, in zh and in English?"""
    assert main(["standard", "show", "P3.1.2"]) == 0
    out = capsys.readouterr().out
    assert "訪客的人群屬性【8】" in out and "T3.1" in out and "T3" in out
    assert "【註7】" in out and "【註8】" in out
    assert main(["standard", "show", "P3.1.2", "--lang", "en"]) == 0
    out_en = capsys.readouterr().out
    assert "[Note 8]" in out_en and not CJK.search(out_en)


def test_cli_bad_code(capsys):
    """Does `standard show P9.9.9` exit 2 with a zh-TW error listing the valid indicator codes?"""
    assert main(["standard", "show", "P9.9.9"]) == 2
    err = capsys.readouterr().err
    assert "P9.9.9" in err and "P3.2.2" in err and "有效" in err
