"""Manual grades: the one place a rubric grade's details live.

nbgrader's gradebook keeps, per manually graded cell, only a score and a free comment:
no criterion levels, no grader, no time. The details a certifier needs are therefore
written **in the comment**, as a short record a person types in formgrader's comment
box (and that a formgrader helper can prefill with :func:`render_record`)::

    【評分紀錄 rubric record】
    評分規準 (rubric)：written_analysis
    準則 1（結論直接回答題目所問的商業問題）：2
    準則 2（以學員自己的資料（個人變體 variant）中的具體數字佐證）：3
    準則 3（說明資料或方法的限制（例如缺值、抽樣、期間、法規限制））：1
    準則 4（用語精確，行銷術語使用正確）：2
    評分者 (grader)：王老師
    評分時間 (graded at)：2025-03-01 10:30
    模擬評分 (simulated)：否
    評語 (comment)：
    結論清楚，但沒有說明資料期間的限制。

Rules (:func:`parse_record`): one line per criterion of the rubric, numbered as in the
rubric's ``criteria`` list, with its level 0-3 after the last colon (``：`` or ``:``);
the text in parentheses is only a reminder. ``評分者`` and ``評分時間`` (ISO 8601; a time
without a zone is Taiwan time, +08:00) are optional; ``模擬評分`` is 是/否 (yes/no).
Everything after ``評語`` is the free comment shown to the learner.

The item's score comes from the levels through the rubric (:func:`score_from_levels`):
``points x mean(fraction of each criterion's level)``, so four criteria at level 2 give
``points x 0.7`` with the shipped rubrics. A record overrides the number typed in
formgrader's score box (the difference is kept as ``gradebook_score``). A record that
cannot be read (an unknown rubric, a criterion without a level) leaves the item
**ungraded**, with the problem as the reason: certification stays pending, never
guesses. A comment without a record is plain nbgrader use: its score counts as typed.

Grader and time: the record's fields when present. Otherwise ``certify`` writes the
time it first saw the grade (score and comment) to a small log,
``<autograder>/results/manual_grades.csv`` (:func:`stamp_first_seen`), and the grader
stays 未記錄 (unrecorded); ``graded_at_source`` says which applies.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from netmarketing.certify.rubrics import LEVELS, Rubric

RECORD_HEADER = "【評分紀錄 rubric record】"
LABELS = {
    "rubric": "評分規準 (rubric)",
    "grader": "評分者 (grader)",
    "graded_at": "評分時間 (graded at)",
    "simulated": "模擬評分 (simulated)",
    "comment": "評語 (comment)",
}
UNRECORDED = "未記錄 (unrecorded)"
TAIWAN = timezone(timedelta(hours=8))
LOG_COLUMNS = ["learner", "module", "notebook", "grade_id", "fingerprint", "first_seen"]
_FIELD_RE = re.compile(r"^(評分規準|評分者|評分時間|模擬評分|評語)[^：:]*[：:]\s*(.*)$")
_CRITERION_RE = re.compile(r"^準則\s*(\d+)(.*)[：:]\s*(\S*)\s*$")
_YES = {"是", "yes", "y", "true", "1"}
_NO = {"否", "no", "n", "false", "0", ""}


class ManualRecordError(ValueError):
    """A rubric record cannot be read; the message says what to fix (zh-TW, then English)."""


@dataclass(frozen=True)
class RubricRecord:
    """What a comment's rubric record says, before it is checked against the rubric."""

    rubric_id: str
    levels: dict[int, int | None]
    grader: str = ""
    graded_at: str = ""
    simulated: bool = False
    comment: str = ""


@dataclass(frozen=True)
class ManualGrade:
    """One manual grade with everything a certifier needs to know about it.

    ``source`` is ``record`` (read from a rubric record), ``plain`` (a score without a
    record) or ``invalid`` (a record that cannot be read: ``problem`` says why, and the
    item counts as ungraded). ``graded_at_source`` is ``record``, ``first_seen`` or empty.
    """

    learner: str
    module: str
    notebook: str
    grade_id: str
    rubric_id: str
    criterion_levels: tuple[int, ...]
    score: float | None
    max_score: float
    comment: str
    grader: str
    graded_at: str
    simulated: bool
    source: str
    problem: str = ""
    gradebook_score: float | None = None
    graded_at_source: str = ""

    def as_row(self) -> dict[str, Any]:
        """Return the grade as a flat dict (criterion levels as "2,3,1,2")."""
        row = asdict(self)
        row["criterion_levels"] = ",".join(map(str, self.criterion_levels))
        return row


MANUAL_COLUMNS = list(ManualGrade.__dataclass_fields__)


def render_record(
    rubric: Rubric,
    levels: list[int] | tuple[int, ...] | None = None,
    *,
    grader: str = "",
    graded_at: str = "",
    simulated: bool = False,
    comment: str = "",
) -> str:
    """Return a rubric record for formgrader's comment box; blank levels when ``levels`` is None.

    Examples
    --------
    >>> from netmarketing.certify.rubrics import RubricLevel
    >>> r = Rubric("demo", "示範", None, (), "", ("結論正確", "有數據佐證"),
    ...            tuple(RubricLevel(n, "l", f, "d") for n, f in zip(LEVELS, (0, .4, .7, 1))))
    >>> print(render_record(r, [2, 3], grader="王老師", comment="很好"))
    【評分紀錄 rubric record】
    評分規準 (rubric)：demo
    準則 1（結論正確）：2
    準則 2（有數據佐證）：3
    評分者 (grader)：王老師
    評分時間 (graded at)：
    模擬評分 (simulated)：否
    評語 (comment)：
    很好
    >>> parse_record(render_record(r, [2, 3])).levels
    {1: 2, 2: 3}
    """
    if levels is not None and len(levels) != len(rubric.criteria):
        raise ManualRecordError(
            f"評分規準 {rubric.id} 有 {len(rubric.criteria)} 項準則，給了 {len(levels)} 個等級 "
            f"(rubric {rubric.id} has {len(rubric.criteria)} criteria, got {len(levels)} levels)"
        )
    lines = [RECORD_HEADER, f"{LABELS['rubric']}：{rubric.id}"]
    for number, criterion in enumerate(rubric.criteria, start=1):
        level = "" if levels is None else str(int(levels[number - 1]))
        lines.append(f"準則 {number}（{criterion}）：{level}")
    lines += [
        f"{LABELS['grader']}：{grader}",
        f"{LABELS['graded_at']}：{graded_at}",
        f"{LABELS['simulated']}：{'是' if simulated else '否'}",
        f"{LABELS['comment']}：",
    ]
    return "\n".join(lines) + ("\n" + comment.strip() if comment.strip() else "")


def parse_record(text: str | None) -> RubricRecord | None:
    """Read the rubric record of a comment; None when the comment has none.

    Raises :class:`ManualRecordError` for a record with a malformed line (a level that
    is not 0-3, a repeated criterion, an unreadable time or simulated flag).
    """
    lines = str(text or "").replace("\r\n", "\n").split("\n")
    fields: dict[str, str] = {}
    levels: dict[int, int | None] = {}
    comment: list[str] | None = None
    for raw in lines:
        if comment is not None:
            comment.append(raw)
            continue
        line = raw.strip()
        criterion = _CRITERION_RE.match(line)
        if criterion:
            number, value = int(criterion[1]), criterion[3]
            if number in levels:
                raise ManualRecordError(f"準則 {number} 出現兩次 (criterion {number} appears twice)")
            if value and (not value.isdigit() or int(value) not in LEVELS):
                raise ManualRecordError(
                    f"準則 {number} 的等級「{value}」應為 0、1、2 或 3 (criterion {number}: level must be 0-3)"
                )
            levels[number] = int(value) if value else None
            continue
        if line.startswith("準則"):
            raise ManualRecordError(
                f"看不懂這一行：「{line}」；格式為「準則 1：2」(unreadable criterion line)"
            )
        match = _FIELD_RE.match(line)
        if not match:
            continue
        label, value = match[1], match[2].strip()
        if label == "評語":
            comment = [value] if value else []
        else:
            fields[label] = value
    if "評分規準" not in fields:
        if levels or RECORD_HEADER in str(text or ""):
            raise ManualRecordError("評分紀錄缺少「評分規準：規準 id」一行 (the record names no rubric)")
        return None
    flag = fields.get("模擬評分", "").lower()
    if flag not in _YES | _NO:
        raise ManualRecordError(f"模擬評分應填「是」或「否」，而不是「{flag}」(simulated must be yes or no)")
    return RubricRecord(
        rubric_id=fields["評分規準"],
        levels=levels,
        grader=fields.get("評分者", ""),
        graded_at=_iso_time(fields.get("評分時間", "")),
        simulated=flag in _YES,
        comment="\n".join(comment or []).strip(),
    )


def _iso_time(text: str) -> str:
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ManualRecordError(
            f"評分時間「{text}」看不懂；請寫成 2025-03-01 10:30 (graded at must be an ISO 8601 time)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TAIWAN)
    return moment.isoformat(timespec="seconds")


def score_from_levels(rubric: Rubric, levels: list[int] | tuple[int, ...], max_score: float) -> float:
    """Return an item's score from its criterion levels: points x the mean fraction of the levels.

    >>> from netmarketing.certify.rubrics import RubricLevel
    >>> r = Rubric("x", "x", None, (), "", ("a", "b"), tuple(RubricLevel(n, "l", f, "d")
    ...     for n, f in zip(LEVELS, (0, .4, .7, 1))))
    >>> score_from_levels(r, [2, 3], 4)
    3.4
    """
    fractions = [rubric.level(level).fraction for level in levels]
    return round(max_score * sum(fractions) / len(fractions), 2)


def check_levels(record: RubricRecord, rubric: Rubric) -> tuple[int, ...]:
    """Return the record's levels in criterion order; raise when one is missing or extra."""
    expected = range(1, len(rubric.criteria) + 1)
    extra = sorted(set(record.levels) - set(expected))
    if extra:
        raise ManualRecordError(
            f"評分規準 {rubric.id} 只有 {len(rubric.criteria)} 項準則，沒有準則 {extra} "
            f"(rubric {rubric.id} has no criterion {extra})"
        )
    missing = [n for n in expected if record.levels.get(n) is None]
    if missing:
        raise ManualRecordError(
            f"準則 {'、'.join(map(str, missing))} 尚未給等級 (criteria {missing} have no level yet)"
        )
    return tuple(int(record.levels[n]) for n in expected)  # type: ignore[arg-type]


def read_manual_grade(
    comment: str | None,
    *,
    learner: str,
    module: str,
    notebook: str,
    grade_id: str,
    gradebook_score: float | None,
    max_score: float,
    rubrics: dict[str, Rubric] | None,
) -> ManualGrade | None:
    """Return what a manual cell's score and comment say, or None when it is not graded at all.

    Parameters
    ----------
    comment : str
        formgrader's comment of the cell.
    gradebook_score : float or None
        The number typed in formgrader's score box (None: not given).
    rubrics : dict, optional
        Rubrics by id; needed to read a record (None: every record is reported invalid).
    """
    base = dict(learner=learner, module=module, notebook=notebook, grade_id=grade_id, max_score=max_score)
    try:
        record = parse_record(comment)
        if record is None:
            if gradebook_score is None:
                return None
            from netmarketing.certify.simulate import is_simulated

            return ManualGrade(
                **base,
                rubric_id="",
                criterion_levels=(),
                score=float(gradebook_score),
                comment=str(comment or "").strip(),
                grader=UNRECORDED,
                graded_at="",
                simulated=is_simulated(comment),
                source="plain",
                gradebook_score=gradebook_score,
            )
        if rubrics is None or record.rubric_id not in rubrics:
            raise ManualRecordError(
                f"沒有評分規準「{record.rubric_id}」(unknown rubric {record.rubric_id!r})"
            )
        rubric = rubrics[record.rubric_id]
        levels = check_levels(record, rubric)
    except ManualRecordError as exc:
        return ManualGrade(
            **base,
            rubric_id="",
            criterion_levels=(),
            score=None,
            comment=str(comment or "").strip(),
            grader=UNRECORDED,
            graded_at="",
            simulated=False,
            source="invalid",
            problem=f"評分紀錄無法讀取：{exc}",
            gradebook_score=gradebook_score,
        )
    return ManualGrade(
        **base,
        rubric_id=rubric.id,
        criterion_levels=levels,
        score=score_from_levels(rubric, levels, max_score),
        comment=record.comment,
        grader=record.grader or UNRECORDED,
        graded_at=record.graded_at,
        simulated=record.simulated,
        source="record",
        gradebook_score=gradebook_score,
        graded_at_source="record" if record.graded_at else "",
    )


def _fingerprint(row: dict[str, Any]) -> str:
    text = f"{row['score']}\n{row['source']}\n{row['comment']}\n{row['criterion_levels']}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def stamp_first_seen(log_path: Path | str, manual: pd.DataFrame, now: str) -> pd.DataFrame:
    """Fill ``graded_at`` of manual grades that carry no time with when this log first saw them.

    Parameters
    ----------
    log_path : path
        The log (CSV: learner, module, notebook, grade_id, fingerprint, first_seen). It gets a
        row whenever a grade is new or changed (its score, levels or comment); rows are never
        rewritten, so the first time stays.
    manual : DataFrame
        Manual grades (:data:`MANUAL_COLUMNS`), e.g. ``GradeRecords.manual``.
    now : str
        The time to record for grades seen for the first time.
    """
    path = Path(log_path)
    seen: dict[tuple[str, ...], str] = {}
    if path.exists():
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = (row["learner"], row["module"], row["notebook"], row["grade_id"], row["fingerprint"])
                seen.setdefault(key, row["first_seen"])
    new_rows, stamped = [], []
    for row in manual.to_dict("records"):
        key = (row["learner"], row["module"], row["notebook"], row["grade_id"], _fingerprint(row))
        if key not in seen and row["source"] != "invalid":
            seen[key] = now
            new_rows.append(dict(zip(LOG_COLUMNS, [*key, now], strict=True)))
        if not row["graded_at"] and key in seen:
            row.update(graded_at=seen[key], graded_at_source="first_seen")
        stamped.append(row)
    if new_rows:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists()
        with open(path, "a", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, LOG_COLUMNS)
            if fresh:
                writer.writeheader()
            writer.writerows(new_rows)
    return pd.DataFrame(stamped, columns=MANUAL_COLUMNS)
