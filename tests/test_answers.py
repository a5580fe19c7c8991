"""Do answers travel as data only, within their caps, and come back unchanged (and never through a link)?"""

from __future__ import annotations

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from netmarketing.learner import answers
from netmarketing.learner.answers import AnswerError, Figure, read_folder, read_item, write_item


def test_values_tables_series_and_charts_round_trip(tmp_path):
    """Do a number, a dict, a table, a series and a chart come back as the grader needs them?"""
    fig, ax = plt.subplots()
    ax.bar(["美妝", "3C", "服飾"], [3, 2, 1])
    ax.set_title("各類別營收")
    frame = pd.DataFrame({"category": ["a", "b"], "revenue": [1.5, 2.5]})
    series = pd.Series([10, 20], index=pd.Index(["2025-01", "2025-02"], name="month"), name="revenue")
    write_item(
        tmp_path,
        "p1_2_1__demo",
        {
            "n": np.int64(7),
            "share": np.float64(0.25),
            "labels": {"S": ["a"], "W": ("b",)},
            "t": frame,
            "s": series,
            "chart": ax,
            "missing": float("nan"),
        },
    )
    plt.close(fig)
    got = read_item(tmp_path / "p1_2_1__demo")
    assert got["n"] == 7 and isinstance(got["n"], int) and got["share"] == 0.25
    assert got["labels"] == {"S": ["a"], "W": ["b"]} and got["missing"] is None
    pd.testing.assert_frame_equal(got["t"], frame)
    pd.testing.assert_series_equal(got["s"], series)
    assert isinstance(got["chart"], Figure)
    assert got["chart"].axes[0]["n_bars"] == 3 and "各類別營收" in got["chart"].texts()


def test_code_never_travels(tmp_path):
    """Is an object that is not data (a function, a module) refused with a zh-TW reason, writing nothing?"""
    with pytest.raises(AnswerError, match="無法交出"):
        write_item(tmp_path, "p1_1_1__x", {"f": lambda: 1})
    assert not (tmp_path / "p1_1_1__x").exists()
    with pytest.raises(AnswerError, match="評分代號"):
        write_item(tmp_path, "../escape", {"x": 1})


def test_caps_hold_on_both_sides(tmp_path):
    """Are an oversized answer refused on hand-in, and an oversized file refused when the grader reads it?"""
    with pytest.raises(AnswerError, match="1 MB"):
        write_item(tmp_path, "p1_1_1__big", {"text": "字" * 400_000})
    item = tmp_path / "p1_1_1__forged"
    item.mkdir()
    (item / "answer.json").write_text(
        json.dumps({"values": {"x": {"kind": "value", "value": "y" * 2_000_000}}})
    )
    found, problems = read_folder(tmp_path)
    assert "p1_1_1__forged" not in found and "太大" in problems["p1_1_1__forged"]


def test_links_planted_by_the_kernel_are_not_followed(tmp_path):
    """Does the grader refuse an answer file or an item folder that is a symlink (e.g. to a peer's answers)?"""
    outside = tmp_path / "peer"
    write_item(outside, "p1_1_1__total", {"total": 45})
    collected = tmp_path / "collected"
    collected.mkdir()
    os.symlink(outside / "p1_1_1__total", collected / "p1_1_1__total")
    linked = collected / "p1_1_2__shout"
    linked.mkdir()
    os.symlink(outside / "p1_1_1__total" / "answer.json", linked / "answer.json")
    found, problems = read_folder(collected)
    assert found == {}
    assert set(problems) == {"p1_1_1__total", "p1_1_2__shout"}


def test_malformed_answers_are_reported_not_raised(tmp_path):
    """Are broken JSON, an unknown kind and a missing table reported per item while good items still load?"""
    write_item(tmp_path, "p1_1_1__good", {"x": 1})
    for name, text in {
        "p1_1_1__broken": "{not json",
        "p1_1_1__kind": json.dumps({"values": {"x": {"kind": "pickle", "value": "gASV"}}}),
        "p1_1_1__table": json.dumps({"values": {"x": {"kind": "table"}}}),
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "answer.json").write_text(text)
    found, problems = read_folder(tmp_path)
    assert found == {"p1_1_1__good": {"x": 1}}
    assert set(problems) == {"p1_1_1__broken", "p1_1_1__kind", "p1_1_1__table"}


@pytest.mark.parametrize(
    ("spec", "good", "bad"),
    [
        (answers.INTEGER, 3, True),
        (answers.INTEGER, np.int32(3), 3.0),
        (answers.NUMBER, 2.5, float("nan")),
        (answers.text(min_chars=5), "五個中文字", "太短"),
        (answers.one_of(["SO", "WT"]), "SO", "so"),
        (answers.list_of(answers.TEXT, min_len=2), ["a", "b"], ["a"]),
        (answers.dict_of(answers.NUMBER, keys=["a", "b"]), {"a": 1, "b": 2}, {"a": 1}),
        (answers.table("x"), pd.DataFrame({"x": [1]}), pd.DataFrame({"y": [1]})),
        (answers.series(), pd.Series([1.0]), pd.Series(["a"])),
    ],
)
def test_specs_accept_the_right_form_and_name_the_wrong_one(spec, good, bad):
    """Does each spec accept a right answer and explain, in zh-TW, what is wrong with a wrong one?"""
    assert spec(good) is None
    message = spec(bad)
    assert message and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_submit_hands_in_and_says_what_is_missing(tmp_path, monkeypatch, capsys):
    """Does submit() write the answers where the grader asked, and name a missing variable instead of raising?"""
    from netmarketing.learner import submit
    from netmarketing.learner.handin import last_check

    monkeypatch.setenv("NETMARKETING_ANSWERS", str(tmp_path))
    city_revenue = pd.Series([3.0, 2.0], index=["臺北市", "新北市"])
    assert submit("practice__city_revenue", "city_revenue") is None  # nothing for Jupyter to display
    assert last_check("practice__city_revenue") is True
    pd.testing.assert_series_equal(
        read_item(tmp_path / "practice__city_revenue")["city_revenue"], city_revenue
    )
    assert "✅" in capsys.readouterr().out
    submit("practice__monthly_revenue", "monthly_revenue")
    assert last_check("practice__monthly_revenue") is False
    err = capsys.readouterr().err
    assert "尚未作答：找不到變數 monthly_revenue" in err and "❌" in err
    unsorted = pd.Series([1.0, 2.0], index=["a", "b"])
    submit("practice__city_revenue", city_revenue=unsorted)
    assert last_check("practice__city_revenue") is False
    assert "sort_values" in capsys.readouterr().err
