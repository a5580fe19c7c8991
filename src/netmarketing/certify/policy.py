"""The certification policy (``autograder/certification.yaml``) and the level-4 decision.

A certifier edits the YAML file; :func:`load_policy` validates it and names the
line of any mistake. :func:`decide` applies it to competency scores:

- ``pending`` whenever the evidence is incomplete: an indicator or work output
  without any graded item in the course (a module not built yet), a module the
  learner has not submitted, an item not graded yet, or an integrity flag
  waiting for review. No decision is ever made on incomplete evidence;
- otherwise ``achieved`` when every indicator, every duty and every work output
  meets its threshold, else ``not_yet``. An indicator meets its threshold only when
  its automatic evidence AND its judgement evidence (written answers scored with a
  rubric) each meet theirs: automatic points never make up for a blank memo, and an
  indicator without any judgement item in the course gets no decision.

Each duty (T1, T2, T3) gets the same three-way status on its own indicators and
outputs, which is what the stackable duty credentials are issued on.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from netmarketing.certify.framework import FRAMEWORK_CODE, Framework
from netmarketing.certify.scores import CompetencyScores
from netmarketing.certify.trust import TrustedIssuer, TrustError, parse_entries
from netmarketing.cli import UserError

DEFAULT_POLICY_PATH = Path("autograder") / "certification.yaml"
_INDICATOR_RE = re.compile(r"^P\d+\.\d+\.\d+$")

ACHIEVED, NOT_YET, PENDING = "achieved", "not_yet", "pending"
DECISION_ZH = {ACHIEVED: "達成（achieved）", NOT_YET: "尚未達成（not yet）", PENDING: "待定（pending）"}
MET, NOT_MET = "met", "not_met"
STATUS_ZH = {MET: "達標", NOT_MET: "未達標", PENDING: "證據不足"}


class PolicyError(UserError):
    """The policy file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Policy:
    """Thresholds in percent (0-100), how to treat integrity flags, the issuer and its pins.

    ``text`` is the policy file as read (empty for the built-in default); :attr:`sha256`
    identifies the policy in force in credentials and evidence bundles.
    """

    indicator_min: float = 60.0
    #: Each part of an indicator's evidence on its own: automatic items, and judgement items.
    indicator_auto_min: float = 60.0
    indicator_judgement_min: float = 60.0
    duty_min: float = 70.0
    output_min: float = 60.0
    indicator_overrides: dict[str, float] = field(default_factory=dict)
    integrity_flags: str = "pending"
    issuer_name: str = "網路行銷企劃主管職能課程 (netmarketing course kit)"
    issuer_url: str | None = None
    issuer_status_list: str | None = None
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    version: int = 1
    revision: str | None = None
    source: str = "內建預設 built-in default"
    text: str = ""

    def indicator_threshold(self, code: str) -> float:
        return self.indicator_overrides.get(code, self.indicator_min)

    @property
    def sha256(self) -> str:
        """Return the SHA-256 of the policy file's bytes (of :meth:`as_text` for the built-in default)."""
        return hashlib.sha256(self.as_text().encode("utf-8")).hexdigest()

    def as_text(self) -> str:
        """Return the policy file's text, or an equivalent YAML text for the built-in default."""
        if self.text:
            return self.text
        rules = {
            "version": self.version,
            "framework": FRAMEWORK_CODE,
            "level": 4,
            "thresholds": {
                "indicator": self.indicator_min,
                "indicator_auto": self.indicator_auto_min,
                "indicator_judgement": self.indicator_judgement_min,
                "duty": self.duty_min,
                "output": self.output_min,
            },
            "indicator_thresholds": dict(sorted(self.indicator_overrides.items())),
            "integrity_flags": self.integrity_flags,
        }
        header = "# 內建預設認證政策 (built-in default policy)\n"
        return header + yaml.safe_dump(rules, allow_unicode=True, sort_keys=False)

    def describe(self) -> list[str]:
        """Return the rules in zh-TW, one line each, for reports and credentials."""
        lines = [
            f"每一項行為指標 (behaviour indicator) 得分 ≥ {self.indicator_min:g}%，且其中自動評分的項目 ≥ "
            f"{self.indicator_auto_min:g}%、書面判斷（依評分規準評分）的項目 ≥ {self.indicator_judgement_min:g}%；"
            "自動評分的分數不能彌補空白的書面判斷",
            f"每一項主要職責 (duty) 得分 ≥ {self.duty_min:g}%",
            f"每一項工作產出 (work output) 得分 ≥ {self.output_min:g}%",
        ]
        lines += [
            f"指標 {code} 門檻另訂為 ≥ {value:g}%" for code, value in sorted(self.indicator_overrides.items())
        ]
        lines.append("證據不完整（未評分、未繳交、模組未建立）時一律「待定」，不做判定")
        if self.integrity_flags == "pending":
            lines.append("有完整性警示 (integrity flag) 的學員須經人工複核，判定為「待定」")
        return lines


# key -> (kind, required); kinds: "percent", "mapping", "str", "choice:a|b", "int"
_SCHEMA: dict[str, tuple[str, bool]] = {
    "version": ("int", True),
    "framework": ("str", False),
    "level": ("int", False),
    "thresholds": ("mapping", True),
    "indicator_thresholds": ("mapping", False),
    "integrity_flags": ("choice:pending|ignore", False),
    "issuer": ("mapping", False),
    "revision": ("str", False),
    "trusted_issuers": ("list", False),
}
_THRESHOLD_KEYS = {
    "indicator": "indicator_min",
    "indicator_auto": "indicator_auto_min",
    "indicator_judgement": "indicator_judgement_min",
    "duty": "duty_min",
    "output": "output_min",
}
_ISSUER_KEYS = {"name", "url", "status_list"}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _fail(path: Path | str, node: yaml.Node | None, message_zh: str, message_en: str) -> PolicyError:
    zh = f"{path} 第 {_line(node)} 行" if node is not None else str(path)
    en = f"{path}, line {_line(node)}" if node is not None else str(path)
    return PolicyError(f"認證政策檔 {zh}：{message_zh} (certification policy {en}: {message_en})")


def _percent(path: Path | str, key: yaml.Node, value: yaml.Node, data: Any) -> float:
    if isinstance(data, bool) or not isinstance(data, (int, float)) or math.isnan(data):
        raise _fail(
            path, key, f"「{key.value}」應為 0 到 100 的數字", f"{key.value!r} must be a number 0-100"
        )
    if not 0 <= data <= 100:
        raise _fail(
            path,
            key,
            f"「{key.value}」為 {data}，超出 0 到 100 的範圍",
            f"{key.value!r} = {data} is outside 0-100",
        )
    return float(data)


def _pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value)


def parse_policy(text: str, source: Path | str = "certification.yaml") -> Policy:
    """Parse and validate policy YAML text; raise :class:`PolicyError` naming the line.

    Parameters
    ----------
    text : str
        The YAML text.
    source : path or str
        Shown in error messages.
    """
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else "?"
        raise PolicyError(
            f"認證政策檔 {source} 第 {line} 行：YAML 語法錯誤 {exc.problem} "
            f"(certification policy {source}, line {line}: YAML syntax error: {exc.problem})"
        ) from None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        raise _fail(source, root, "檔案內容應為「鍵: 值」的對應表", "the file must be a mapping of keys")

    def construct(node: yaml.Node) -> Any:
        return yaml.SafeLoader("").construct_object(node, deep=True) if node is not None else None

    seen: dict[str, yaml.Node] = {}
    kwargs: dict[str, Any] = {"source": str(source), "text": text}
    for key_node, value_node in _pairs(root):
        key = key_node.value
        if key in seen:
            raise _fail(source, key_node, f"「{key}」重複出現", f"duplicate key {key!r}")
        seen[key] = key_node
        if key not in _SCHEMA:
            raise _fail(
                source,
                key_node,
                f"不認得的設定「{key}」；可用的有 {', '.join(_SCHEMA)}",
                f"unknown key {key!r}; valid keys: {', '.join(_SCHEMA)}",
            )
        kind, _ = _SCHEMA[key]
        value = construct(value_node)
        if kind == "mapping":
            if not isinstance(value_node, yaml.MappingNode):
                raise _fail(source, key_node, f"「{key}」之下應為對應表", f"{key!r} must be a mapping")
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise _fail(source, key_node, f"「{key}」應為正整數", f"{key!r} must be a positive integer")
        elif kind == "str":
            if not isinstance(value, str):
                raise _fail(source, key_node, f"「{key}」應為文字", f"{key!r} must be text")
        elif kind == "list":
            try:
                kwargs[key] = parse_entries(value, str(source))
            except TrustError as exc:
                raise _fail(source, key_node, str(exc), "malformed trusted_issuers entry") from None
        elif kind.startswith("choice:"):
            choices = kind.split(":", 1)[1].split("|")
            if value not in choices:
                raise _fail(
                    source,
                    key_node,
                    f"「{key}」應為 {' 或 '.join(choices)}",
                    f"{key!r} must be one of {choices}",
                )
            kwargs[key] = value

        if key == "framework" and value != FRAMEWORK_CODE:
            raise _fail(
                source,
                key_node,
                f"本課程的職能基準是 {FRAMEWORK_CODE}",
                f"this course certifies {FRAMEWORK_CODE} only",
            )
        if key == "version" and value != 1:
            raise _fail(source, key_node, "目前只支援 version: 1", "only version 1 is supported")
        if key == "revision":
            kwargs["revision"] = value
        if key == "level" and value != 4:
            raise _fail(source, key_node, "本課程只核發級別 4", "this course certifies level 4 only")
        if key == "thresholds":
            for sub_key, sub_value in _pairs(value_node):
                name = sub_key.value
                if name not in _THRESHOLD_KEYS:
                    raise _fail(
                        source,
                        sub_key,
                        f"不認得的門檻「{name}」；可用的有 {', '.join(_THRESHOLD_KEYS)}",
                        f"unknown threshold {name!r}; valid: {', '.join(_THRESHOLD_KEYS)}",
                    )
                kwargs[_THRESHOLD_KEYS[name]] = _percent(source, sub_key, sub_value, construct(sub_value))
        if key == "indicator_thresholds":
            overrides = {}
            for sub_key, sub_value in _pairs(value_node):
                if not _INDICATOR_RE.match(str(sub_key.value)):
                    raise _fail(
                        source,
                        sub_key,
                        f"「{sub_key.value}」不是行為指標代碼（例如 P1.2.4）",
                        f"{sub_key.value!r} is not an indicator code such as P1.2.4",
                    )
                overrides[sub_key.value] = _percent(source, sub_key, sub_value, construct(sub_value))
            kwargs["indicator_overrides"] = overrides
        if key == "issuer":
            for sub_key, sub_value in _pairs(value_node):
                if sub_key.value not in _ISSUER_KEYS:
                    raise _fail(
                        source,
                        sub_key,
                        f"issuer 之下不認得「{sub_key.value}」；可用的有 {', '.join(sorted(_ISSUER_KEYS))}",
                        f"unknown issuer key {sub_key.value!r}; valid: {', '.join(sorted(_ISSUER_KEYS))}",
                    )
                sub = construct(sub_value)
                if sub is not None and not isinstance(sub, str):
                    raise _fail(
                        source, sub_key, f"「{sub_key.value}」應為文字", f"{sub_key.value!r} must be text"
                    )
                if sub_key.value in ("url", "status_list") and sub and not str(sub).startswith("https://"):
                    raise _fail(
                        source,
                        sub_key,
                        f"{sub_key.value} 應以 https:// 開頭",
                        f"{sub_key.value} must start with https://",
                    )
                if sub:
                    kwargs[f"issuer_{sub_key.value}"] = sub
    for key, (_, required) in _SCHEMA.items():
        if required and key not in seen:
            raise _fail(source, root, f"缺少必要設定「{key}」", f"required key {key!r} is missing")
    return Policy(**kwargs)


def load_policy(path: Path | str | None = None) -> Policy:
    """Load and validate the certification policy file.

    Parameters
    ----------
    path : path, optional
        Defaults to ``autograder/certification.yaml`` of the repository (found from the
        current directory); the built-in defaults are used when that file does not exist.
    """
    if path is None:
        from netmarketing.grading.workspace import repo_root

        path = repo_root() / DEFAULT_POLICY_PATH
        if not path.exists():
            return Policy()
    path = Path(path)
    if not path.exists():
        raise PolicyError(f"找不到認證政策檔 {path} (policy file not found: {path})")
    return parse_policy(path.read_text(encoding="utf-8"), path)


@dataclass
class Decisions:
    """The outcome of applying a policy to a cohort's scores.

    Attributes
    ----------
    summary : DataFrame
        One row per learner: learner, decision, one column per duty with its status,
        n_pending_reasons.
    indicators : DataFrame
        learner, code, percent, threshold, status (met / not_met / pending), plus roll-up columns.
    duties, outputs : DataFrame
        The same for duties and work outputs.
    reasons : DataFrame
        learner, kind, code, text: why a learner or duty is pending or not yet.
        kind is one of no_evidence, missing_submission, ungraded, flag, below_threshold;
        duty is the duty the reason belongs to (None for the whole record).
    """

    summary: pd.DataFrame
    indicators: pd.DataFrame
    duties: pd.DataFrame
    outputs: pd.DataFrame
    reasons: pd.DataFrame
    policy: Policy

    def for_learner(self, learner: str) -> dict[str, Any]:
        row = self.summary.set_index("learner").loc[learner]
        return {
            "decision": row["decision"],
            "indicators": self.indicators[self.indicators["learner"] == learner],
            "duties": self.duties[self.duties["learner"] == learner],
            "outputs": self.outputs[self.outputs["learner"] == learner],
            "reasons": self.reasons[self.reasons["learner"] == learner],
        }


def _status(table: pd.DataFrame, thresholds: pd.Series) -> pd.DataFrame:
    table = table.copy()
    table["threshold"] = thresholds.to_numpy()
    # Round to avoid 59.99999 from float sums deciding a boundary case.
    meets = table["percent"].round(6) >= table["threshold"]
    table["status"] = [
        PENDING if not complete else (MET if ok else NOT_MET)
        for complete, ok in zip(table["complete"], meets, strict=True)
    ]
    return table


_PARTS = {"auto": ("自動評分", "indicator_auto_min"), "manual": ("書面判斷", "indicator_judgement_min")}


def _with_parts(indicators: pd.DataFrame, parts: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Add each indicator's automatic and judgement percents, and fail it when either part is below its bar."""
    out = indicators.copy()
    for kind, (_, attr) in _PARTS.items():
        part = parts[parts["kind"] == kind] if len(parts) else parts
        cols = {"percent": f"{kind}_percent", "n_items": f"{kind}_items"}
        if len(part):
            merged = out[["learner", "code"]].merge(
                part[["learner", "code", "percent", "n_items"]].rename(columns=cols),
                on=["learner", "code"],
                how="left",
            )
            out[f"{kind}_percent"] = merged[f"{kind}_percent"].to_numpy()
            out[f"{kind}_items"] = merged[f"{kind}_items"].fillna(0).astype(int).to_numpy()
        else:
            out[f"{kind}_percent"], out[f"{kind}_items"] = float("nan"), 0
        out[f"{kind}_threshold"] = getattr(policy, attr)
    auto_low = (out["auto_items"] > 0) & ~(out["auto_percent"].round(6) >= out["auto_threshold"])
    judgement_low = (out["manual_items"] > 0) & ~(out["manual_percent"].round(6) >= out["manual_threshold"])
    met = out["status"] == MET
    out.loc[met & (auto_low | judgement_low), "status"] = NOT_MET
    # Without any judgement item an indicator cannot be decided (a gap in the course, not in the learner).
    out.loc[(out["n_items"] > 0) & (out["manual_items"] == 0) & (out["status"] != PENDING), "status"] = (
        PENDING
    )
    return out


def _without_judgement(indicators: pd.DataFrame) -> dict[str, list[str]]:
    first = indicators.drop_duplicates("code")
    gaps = first[(first["n_items"] > 0) & (first["manual_items"] == 0)]
    out: dict[str, list[str]] = {}
    for code, duty in zip(gaps["code"], gaps["duty"], strict=True):
        out.setdefault(duty, []).append(code)
    return out


def _fail_duties_with_failed_indicators(duties: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    failed = set(
        zip(
            indicators.loc[indicators["status"] == NOT_MET, "learner"],
            indicators.loc[indicators["status"] == NOT_MET, "duty"],
            strict=True,
        )
    )
    duties = duties.copy()
    hit = pd.Series(
        [(learner, code) in failed for learner, code in zip(duties["learner"], duties["code"], strict=True)],
        index=duties.index,
        dtype=bool,
    )
    duties.loc[hit & (duties["status"] == MET), "status"] = NOT_MET
    return duties


def _below_text(row: dict[str, Any]) -> str:
    """Say which bar an indicator, duty or output missed, in zh-TW."""
    parts = []
    if (
        row.get("percent") is not None
        and row["percent"] == row["percent"]
        and row["percent"] < row["threshold"] - 1e-6
    ):
        parts.append(f"整體 {row['percent']:.0f}% 未達門檻 {row['threshold']:g}%")
    for kind, (label, _) in _PARTS.items():
        percent, bar = row.get(f"{kind}_percent"), row.get(f"{kind}_threshold")
        if row.get(f"{kind}_items") and percent == percent and percent is not None and percent < bar - 1e-6:
            parts.append(f"{label}部分 {percent:.0f}% 未達門檻 {bar:g}%")
    return "；".join(parts) or f"{row['percent']:.0f}% 未達門檻 {row['threshold']:g}%"


def decide(
    scores: CompetencyScores,
    framework: Framework,
    policy: Policy | None = None,
    *,
    flags: pd.DataFrame | None = None,
) -> Decisions:
    """Apply the certification policy to every learner.

    Parameters
    ----------
    scores : CompetencyScores
        From :func:`netmarketing.certify.scores.competency_scores`.
    framework : Framework
        The standard's duties, tasks, indicators and outputs.
    policy : Policy, optional
        Defaults to the built-in default policy.
    flags : DataFrame, optional
        Integrity flags from grading: learner, module, reason.
    """
    policy = policy or Policy()
    duty_of = dict(zip(framework.indicators["code"], framework.indicators["duty"], strict=True))
    duty_of.update(zip(framework.outputs["code"], framework.outputs["duty"], strict=True))
    indicators = _with_parts(
        _status(scores.indicators, scores.indicators["code"].map(policy.indicator_threshold)),
        scores.indicator_parts,
        policy,
    )
    duties = _status(scores.duties, pd.Series(policy.duty_min, index=scores.duties.index))
    outputs = _status(scores.outputs, pd.Series(policy.output_min, index=scores.outputs.index))
    indicators["duty"] = indicators["code"].map(duty_of)
    outputs["duty"] = outputs["code"].map(duty_of)
    duties["duty"] = duties["code"]

    reasons: list[dict[str, Any]] = []
    # A duty whose indicators fail (one part below its threshold) fails too, whatever its own percent.
    duties = _fail_duties_with_failed_indicators(duties, indicators)

    def add(learner: str, kind: str, code: str, duty: str | None, text: str) -> None:
        reasons.append({"learner": learner, "kind": kind, "code": code, "duty": duty, "text": text})

    # Plain records: per-learner pandas filtering is slow for what is a small loop.
    no_evidence: dict[str, list[str]] = {}
    for table in (indicators, outputs):
        first = table.drop_duplicates("code")
        for code, duty in zip(
            first.loc[first["n_items"] == 0, "code"], first.loc[first["n_items"] == 0, "duty"], strict=True
        ):
            no_evidence.setdefault(duty, []).append(code)
    item_records = scores.items[
        ["learner", "module", "notebook", "grade_id", "indicator", "duty", "status", "kind", "note"]
    ]
    module_duties = item_records.groupby("module")["duty"].agg(lambda s: sorted(set(s))).to_dict()
    missing_pairs = sorted(
        set(
            zip(
                *[item_records.loc[item_records["status"] == "missing", c] for c in ("learner", "module")],
                strict=True,
            )
        )
    )
    ungraded = item_records[item_records["status"] == "ungraded"].to_dict("records")
    below = [
        row
        for table in (indicators, outputs, duties)
        for row in table.loc[table["status"] == NOT_MET].to_dict("records")
    ]
    flag_rows = flags.to_dict("records") if flags is not None and policy.integrity_flags == "pending" else []

    without_judgement = _without_judgement(indicators)
    for learner in scores.learners:
        for duty, codes in without_judgement.items():
            add(
                learner,
                "no_evidence",
                duty,
                duty,
                f"{duty} {framework.name_of(duty)}：{'、'.join(codes)} 在課程中沒有書面判斷（評分規準）的項目，"
                "無法判定",
            )
        for duty, codes in no_evidence.items():
            add(
                learner,
                "no_evidence",
                duty,
                duty,
                f"{duty} {framework.name_of(duty)}：{'、'.join(codes)} 在課程中尚無任何評分項目（該模組可能尚未建立）",
            )
    for learner, module in missing_pairs:
        for duty in module_duties.get(module, []):
            add(learner, "missing_submission", module, duty, f"尚未繳交模組 {module}（影響 {duty}）")
    for row in ungraded:
        add(
            row["learner"],
            "ungraded",
            row["grade_id"],
            row["duty"],
            f"{row['module']}/{row['notebook']}：{row['grade_id']}（{row['indicator']}）"
            + (
                row["note"]
                or (
                    "尚待講師依評分規準人工評分"
                    if row["kind"] == "manual"
                    else "尚未完成自動評分（評分程式未能執行）"
                )
            ),
        )
    for row in flag_rows:
        for duty in module_duties.get(row["module"], [None]):
            add(
                str(row["learner"]),
                "flag",
                str(row["module"]),
                duty,
                f"完整性警示（{row['module']}）：{row['reason']}，需人工複核",
            )
    for row in below:
        add(
            row["learner"],
            "below_threshold",
            row["code"],
            row["duty"],
            f"{row['code']} {framework.name_of(row['code'])}：{_below_text(row)}",
        )

    reason_frame = pd.DataFrame(reasons, columns=["learner", "kind", "code", "duty", "text"])
    blocked = set(
        zip(
            *[reason_frame.loc[reason_frame["kind"] != "below_threshold", c] for c in ("learner", "duty")],
            strict=True,
        )
    )
    failed = set(
        zip(
            *[reason_frame.loc[reason_frame["kind"] == "below_threshold", c] for c in ("learner", "duty")],
            strict=True,
        )
    )
    n_blocking = (reason_frame["kind"] != "below_threshold").groupby(reason_frame["learner"]).sum().to_dict()

    duty_rows = []
    for learner in scores.learners:
        row: dict[str, Any] = {"learner": learner}
        for duty in framework.duty_codes:
            row[duty] = (
                PENDING if (learner, duty) in blocked else NOT_MET if (learner, duty) in failed else MET
            )
        row["n_pending_reasons"] = int(n_blocking.get(learner, 0))
        if row["n_pending_reasons"]:
            row["decision"] = PENDING
        elif all(row[d] == MET for d in framework.duty_codes):
            row["decision"] = ACHIEVED
        else:
            row["decision"] = NOT_YET
        duty_rows.append(row)
    summary = pd.DataFrame(
        duty_rows, columns=["learner", "decision", *framework.duty_codes, "n_pending_reasons"]
    )
    # A duty that is pending overall (e.g. an integrity flag) must also show pending in its own table.
    pending_duty = [(lr, d) in blocked for lr, d in zip(duties["learner"], duties["code"], strict=True)]
    duties.loc[pending_duty, "status"] = PENDING
    return Decisions(
        summary=summary,
        indicators=indicators,
        duties=duties,
        outputs=outputs,
        reasons=reason_frame,
        policy=policy,
    )
