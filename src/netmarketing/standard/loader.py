"""Load the competency standard KMC2431-008v1 from its YAML file into frozen dataclasses.

The YAML file (``KMC2431-008v1.yaml`` beside this module) holds the zh-TW text verbatim
and an English translation. Loading checks every cross-reference, so a typo in the data
fails loudly at load time rather than as a wrong certification decision later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = "KMC2431-008v1.yaml"

# Kind of item -> (zh-TW label, English label). The order is the order of `Standard.codes()`.
KINDS: dict[str, tuple[str, str]] = {
    "duty": ("主要職責", "duty"),
    "task": ("工作任務", "task"),
    "output": ("工作產出", "work output"),
    "indicator": ("行為指標", "behaviour indicator"),
    "knowledge": ("知識", "knowledge"),
    "skill": ("技能", "skill"),
    "attitude": ("態度", "attitude"),
    "note": ("註", "note"),
}

# The pattern that decides which kind a code belongs to.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("duty", re.compile(r"^T\d+$")),
    ("task", re.compile(r"^T\d+\.\d+$")),
    ("output", re.compile(r"^O\d+\.\d+\.\d+$")),
    ("indicator", re.compile(r"^P\d+\.\d+\.\d+$")),
    ("knowledge", re.compile(r"^K\d+$")),
    ("skill", re.compile(r"^S\d+$")),
    ("attitude", re.compile(r"^A\d+$")),
    ("note", re.compile(r"^註\d+$")),
)


class UnknownCodeError(KeyError):
    """A code that is not in the standard; the message lists the valid codes of that kind."""

    def __init__(self, code: str, kind: str | None, valid: Iterable[str]) -> None:
        self.code = code
        self.kind = kind
        self.valid = tuple(valid)
        listed = ", ".join(self.valid)
        if kind is None:
            zh_kind, en_kind = "代碼", "code"
        else:
            zh_kind, en_kind = KINDS[kind][0] + "代碼", KINDS[kind][1] + " code"
        self.message = (
            f"KMC2431-008v1 沒有{zh_kind} {code!r}；有效的{zh_kind}：{listed} "
            f"(unknown {en_kind} {code!r} in KMC2431-008v1; valid codes: {listed})"
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError would otherwise print the repr of the message, quotes and escapes included.
        return self.message


class StandardDataError(ValueError):
    """The standard's data file is inconsistent (for example a task names an unknown duty)."""


@dataclass(frozen=True)
class Duty:
    """A main duty (主要職責), e.g. T1 市場分析."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Task:
    """A work task (工作任務) with the knowledge and skill codes it needs and its outputs."""

    code: str
    duty: str
    zh: str
    en: str
    level: int
    knowledge: tuple[str, ...]
    skills: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class WorkOutput:
    """A work output (工作產出), e.g. O1.2.1 分析報告, produced by one task."""

    code: str
    task: str
    zh: str
    en: str


@dataclass(frozen=True)
class Indicator:
    """A behaviour indicator (行為指標); ``notes`` are the notes its text marks."""

    code: str
    task: str
    level: int
    zh: str
    en: str
    notes: tuple[str, ...]
    underlined: tuple[str, ...]


@dataclass(frozen=True)
class Competence:
    """A knowledge (K), skill (S) or attitude (A) item; only attitudes have a description."""

    code: str
    kind: str  # "knowledge", "skill" or "attitude"
    zh: str
    en: str
    description_zh: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class Note:
    """A note (說明與補充事項 註1-註9) explaining a term used in the indicators."""

    code: str
    term_zh: str
    term_en: str
    text_zh: str
    text_en: str

    @property
    def zh(self) -> str:
        """Return the note as printed in the standard, e.g. ``【註2】可用資源：如財務、…``."""
        return f"【{self.code}】{self.term_zh}：{self.text_zh}"

    @property
    def en(self) -> str:
        """Return the English translation of the note."""
        return f"[Note {self.code[1:]}] {self.term_en}: {self.text_en}"


@dataclass(frozen=True)
class Metadata:
    """The standard's identity: code, name, category codes, job description and level."""

    code: str
    name_zh: str
    name_en: str
    categories: Mapping[str, Mapping[str, Any]]
    job_description_zh: str
    job_description_en: str
    level: int


@dataclass(frozen=True)
class Standard:
    """The competency standard KMC2431-008v1 with lookups by code.

    Examples
    --------
    >>> std = load_standard()
    >>> std.indicator("P1.2.4").task
    'T1.2'
    >>> [i.code for i in std.indicators_of("T3.2")]
    ['P3.2.1', 'P3.2.2']
    """

    metadata: Metadata
    duties: tuple[Duty, ...]
    tasks: tuple[Task, ...]
    outputs: tuple[WorkOutput, ...]
    indicators: tuple[Indicator, ...]
    knowledge: tuple[Competence, ...]
    skills: tuple[Competence, ...]
    attitudes: tuple[Competence, ...]
    notes: tuple[Note, ...]
    qualifications_zh: tuple[str, ...]
    qualifications_en: tuple[str, ...]
    _index: dict[str, dict[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = {
            "duty": self.duties,
            "task": self.tasks,
            "output": self.outputs,
            "indicator": self.indicators,
            "knowledge": self.knowledge,
            "skill": self.skills,
            "attitude": self.attitudes,
            "note": self.notes,
        }
        index = {kind: {item.code: item for item in items} for kind, items in groups.items()}
        object.__setattr__(self, "_index", index)

    # -- lookups ---------------------------------------------------------------------------

    def codes(self, kind: str | None = None) -> tuple[str, ...]:
        """Return the codes of one kind (``"indicator"``, ``"task"``, ...) or of all kinds, in order."""
        if kind is None:
            return tuple(code for items in self._index.values() for code in items)
        if kind not in self._index:
            raise ValueError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
        return tuple(self._index[kind])

    def _lookup(self, kind: str, code: str) -> Any:
        try:
            return self._index[kind][code]
        except KeyError:
            raise UnknownCodeError(code, kind, self._index[kind]) from None

    def duty(self, code: str) -> Duty:
        """Return the duty with this code, e.g. ``"T1"``."""
        return self._lookup("duty", code)

    def task(self, code: str) -> Task:
        """Return the task with this code, e.g. ``"T1.2"``."""
        return self._lookup("task", code)

    def output(self, code: str) -> WorkOutput:
        """Return the work output with this code, e.g. ``"O1.2.1"``."""
        return self._lookup("output", code)

    def indicator(self, code: str) -> Indicator:
        """Return the behaviour indicator with this code, e.g. ``"P1.2.4"``."""
        return self._lookup("indicator", code)

    def competence(self, code: str) -> Competence:
        """Return the knowledge, skill or attitude item with this code, e.g. ``"K05"``."""
        kind = kind_of(code)
        if kind not in ("knowledge", "skill", "attitude"):
            valid = self.codes("knowledge") + self.codes("skill") + self.codes("attitude")
            raise UnknownCodeError(code, None, valid)
        return self._lookup(kind, code)

    def note(self, code: str) -> Note:
        """Return the note with this code; ``"註8"``, ``"【註8】"``, ``"【8】"`` and ``"N8"`` all work."""
        return self._lookup("note", normalize_code(code))

    def get(self, code: str) -> Duty | Task | WorkOutput | Indicator | Competence | Note:
        """Return the item with this code, whatever its kind."""
        code = normalize_code(code)
        kind = kind_of(code)
        if kind is None:
            raise UnknownCodeError(code, None, self.codes())
        return self._lookup(kind, code)

    # -- relations ------------------------------------------------------------------------

    def indicators_of(self, code: str) -> tuple[Indicator, ...]:
        """Return the indicators of a task (``"T1.2"``) or of a duty (``"T1"``)."""
        item = self.get(code)
        if isinstance(item, Task):
            return tuple(i for i in self.indicators if i.task == item.code)
        if isinstance(item, Duty):
            return tuple(i for i in self.indicators if self.task(i.task).duty == item.code)
        raise UnknownCodeError(code, None, self.codes("duty") + self.codes("task"))

    def outputs_of(self, task_code: str) -> tuple[WorkOutput, ...]:
        """Return the work outputs of a task."""
        return tuple(self.output(code) for code in self.task(task_code).outputs)

    def tasks_of(self, duty_code: str) -> tuple[Task, ...]:
        """Return the tasks of a duty."""
        self.duty(duty_code)
        return tuple(t for t in self.tasks if t.duty == duty_code)

    def task_of(self, code: str) -> Task:
        """Return the task an indicator or a work output belongs to."""
        item = self.get(code)
        if isinstance(item, Task):
            return item
        if isinstance(item, Indicator | WorkOutput):
            return self.task(item.task)
        raise UnknownCodeError(code, None, self.codes("indicator") + self.codes("output"))

    def duty_of(self, code: str) -> Duty:
        """Return the duty a task, indicator or work output belongs to."""
        return self.duty(self.task_of(code).duty)

    def notes_of(self, indicator_code: str) -> tuple[Note, ...]:
        """Return the notes an indicator's text refers to (P3.1.2 -> 註7, 註8)."""
        return tuple(self.note(code) for code in self.indicator(indicator_code).notes)

    def indicators_referencing(self, note_code: str) -> tuple[Indicator, ...]:
        """Return the indicators whose text refers to a note (註1 -> P1.1.2)."""
        code = self.note(note_code).code
        return tuple(i for i in self.indicators if code in i.notes)

    def competences_of(self, task_code: str) -> tuple[Competence, ...]:
        """Return the knowledge and skill items a task needs, K codes first."""
        task = self.task(task_code)
        return tuple(self.competence(code) for code in task.knowledge + task.skills)


def kind_of(code: str) -> str | None:
    """Return the kind of item a code names (``"P1.2.4"`` -> ``"indicator"``), or None."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.match(code):
            return kind
    return None


def normalize_code(code: str) -> str:
    """Return a code in the standard's spelling: strip spaces, upper-case, notes as ``註N``.

    >>> normalize_code(" p1.2.4 ")
    'P1.2.4'
    >>> normalize_code("【8】")
    '註8'
    """
    code = code.strip()
    note = re.fullmatch(r"【?(?:註|[Nn](?:ote)?\s*)?(\d+)】?", code)
    if note and (code.startswith(("【", "註", "N", "n")) or code.endswith("】")):
        return f"註{int(note.group(1))}"
    return code.upper()


# -- loading --------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise StandardDataError(message)


def _codes_unique(kind: str, items: list[dict]) -> set[str]:
    codes = [item["code"] for item in items]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    _require(not duplicates, f"重複的{KINDS[kind][0]}代碼 (duplicate {KINDS[kind][1]} codes): {duplicates}")
    for code in codes:
        _require(
            kind_of(code) == kind,
            f"代碼格式錯誤 {code!r} (malformed {KINDS[kind][1]} code {code!r})",
        )
    return set(codes)


def _check_refs(owner: str, field_name: str, refs: Iterable[str], valid: set[str]) -> None:
    missing = [ref for ref in refs if ref not in valid]
    _require(
        not missing,
        f"{owner} 的 {field_name} 指向不存在的代碼 {missing} "
        f"({owner}.{field_name} refers to unknown codes {missing}; valid: {sorted(valid)})",
    )


def parse_standard(data: Mapping[str, Any]) -> Standard:
    """Build a `Standard` from the parsed YAML mapping and check every cross-reference.

    Raises
    ------
    StandardDataError
        If a code is duplicated or malformed, or a reference points to a missing item,
        or tasks and outputs disagree about which output belongs to which task.
    """
    try:
        duty_codes = _codes_unique("duty", data["duties"])
        task_codes = _codes_unique("task", data["tasks"])
        output_codes = _codes_unique("output", data["outputs"])
        _codes_unique("indicator", data["indicators"])
        k_codes = _codes_unique("knowledge", data["knowledge"])
        s_codes = _codes_unique("skill", data["skills"])
        _codes_unique("attitude", data["attitudes"])
        note_codes = _codes_unique("note", data["notes"])

        for t in data["tasks"]:
            _check_refs(t["code"], "duty", [t["duty"]], duty_codes)
            _check_refs(t["code"], "knowledge", t["knowledge"], k_codes)
            _check_refs(t["code"], "skills", t["skills"], s_codes)
            _check_refs(t["code"], "outputs", t["outputs"], output_codes)
        for o in data["outputs"]:
            _check_refs(o["code"], "task", [o["task"]], task_codes)
            owner = next(t for t in data["tasks"] if t["code"] == o["task"])
            _require(
                o["code"] in owner["outputs"],
                f"{o['code']} 屬於 {o['task']}，但 {o['task']} 的 outputs 沒有列出它 "
                f"({o['code']}.task is {o['task']} but {o['task']}.outputs does not list it)",
            )
        for t in data["tasks"]:
            for code in t["outputs"]:
                owner = next(o for o in data["outputs"] if o["code"] == code)["task"]
                _require(
                    owner == t["code"],
                    f"{t['code']} 列出 {code}，但 {code} 屬於 {owner} "
                    f"({t['code']}.outputs lists {code} whose task is {owner})",
                )
        for i in data["indicators"]:
            _check_refs(i["code"], "task", [i["task"]], task_codes)
            _check_refs(i["code"], "notes", i["notes"], note_codes)
        for duty in duty_codes:
            _require(
                any(t["duty"] == duty for t in data["tasks"]),
                f"主要職責 {duty} 沒有工作任務 (duty {duty} has no task)",
            )
        for task in task_codes:
            _require(
                any(i["task"] == task for i in data["indicators"]),
                f"工作任務 {task} 沒有行為指標 (task {task} has no indicator)",
            )

        meta = data["metadata"]
        metadata = Metadata(
            code=meta["code"],
            name_zh=meta["name"]["zh"],
            name_en=meta["name"]["en"],
            categories=meta["categories"],
            job_description_zh=meta["job_description"]["zh"],
            job_description_en=meta["job_description"]["en"],
            level=int(meta["level"]),
        )
        return Standard(
            metadata=metadata,
            duties=tuple(Duty(d["code"], d["zh"], d["en"]) for d in data["duties"]),
            tasks=tuple(
                Task(
                    code=t["code"],
                    duty=t["duty"],
                    zh=t["zh"],
                    en=t["en"],
                    level=int(t["level"]),
                    knowledge=tuple(t["knowledge"]),
                    skills=tuple(t["skills"]),
                    outputs=tuple(t["outputs"]),
                )
                for t in data["tasks"]
            ),
            outputs=tuple(WorkOutput(o["code"], o["task"], o["zh"], o["en"]) for o in data["outputs"]),
            indicators=tuple(
                Indicator(
                    code=i["code"],
                    task=i["task"],
                    level=int(i["level"]),
                    zh=i["zh"],
                    en=i["en"],
                    notes=tuple(i["notes"]),
                    underlined=tuple(i["underlined"]),
                )
                for i in data["indicators"]
            ),
            knowledge=tuple(Competence(k["code"], "knowledge", k["zh"], k["en"]) for k in data["knowledge"]),
            skills=tuple(Competence(s["code"], "skill", s["zh"], s["en"]) for s in data["skills"]),
            attitudes=tuple(
                Competence(
                    a["code"], "attitude", a["zh"], a["en"], a["description"]["zh"], a["description"]["en"]
                )
                for a in data["attitudes"]
            ),
            notes=tuple(
                Note(n["code"], n["term"]["zh"], n["term"]["en"], n["text"]["zh"], n["text"]["en"])
                for n in data["notes"]
            ),
            qualifications_zh=tuple(q["zh"] for q in data["qualifications"]["items"]),
            qualifications_en=tuple(q["en"] for q in data["qualifications"]["items"]),
        )
    except (KeyError, TypeError) as exc:
        raise StandardDataError(
            f"職能基準資料檔缺少欄位或格式錯誤：{exc!r} (standard data file is missing a field or malformed)"
        ) from exc


def read_standard(path: str | Path | None = None) -> Standard:
    """Read and check a standard from a YAML file (default: the packaged KMC2431-008v1), uncached."""
    if path is None:
        text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_standard(yaml.safe_load(text))


@lru_cache(maxsize=1)
def load_standard() -> Standard:
    """Return the packaged standard KMC2431-008v1 (read and checked once, then cached)."""
    return read_standard()
