"""One call from gradebook to decisions, reports, CSVs and credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from netmarketing.certify import badges
from netmarketing.certify.framework import FRAMEWORK_CODE, FRAMEWORK_NAME, LEVEL, Framework, default_framework
from netmarketing.certify.policy import ACHIEVED, MET, Decisions, Policy, decide, load_policy
from netmarketing.certify.report import cohort_report_html, item_statistics, learner_report_html
from netmarketing.certify.rubrics import RubricError, load_rubrics, rubric_references
from netmarketing.certify.scores import (
    CompetencyScores,
    GradeRecords,
    competency_scores,
    evidence_frame,
    flags_from_results,
    load_gradebook,
)

FULL_CODE = f"{FRAMEWORK_CODE}-level{LEVEL}"


@dataclass
class CertificationResult:
    """What :func:`run` produced.

    Attributes
    ----------
    summary : DataFrame
        learner, decision, T1, T2, T3 (met / not_met / pending), credentials
        (comma-separated codes issued), report (path of the learner's HTML report).
    """

    summary: pd.DataFrame
    scores: CompetencyScores
    decisions: Decisions
    item_stats: pd.DataFrame
    out_dir: Path
    cohort_report: Path
    credential_paths: list[Path]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def _credentials_for(
    learner: str,
    decisions: Decisions,
    framework: Framework,
    key: badges.IssuerKey,
    *,
    simulated_manual: bool,
    now: str,
) -> list[tuple[str, dict[str, Any]]]:
    """Return (code, signed credential) for every duty met and for level 4 when achieved."""
    own = decisions.for_learner(learner)
    summary = decisions.summary.set_index("learner").loc[learner]
    ind = own["indicators"].set_index("code")
    policy = decisions.policy
    simulated_note = "（其中人工評分為示範用模擬分數 simulated）" if simulated_manual else ""

    def evidence(codes: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "name": f"{code} 評分證據",
                "narrative": f"{code}：{ind.loc[code, 'percent']:.0f}%（{int(ind.loc[code, 'n_items'])} 個評分項目，"
                f"門檻 {ind.loc[code, 'threshold']:g}%）{simulated_note}",
            }
            for code in codes
        ]

    targets = [(d, framework.indicators_of_duty(d)) for d in framework.duty_codes if summary[d] == MET]
    if summary["decision"] == ACHIEVED:
        targets.append((FULL_CODE, framework.indicator_codes))
    issued = []
    for code, covered in targets:
        if code == FULL_CODE:
            name = f"{FRAMEWORK_NAME} 職能級別 {LEVEL}"
            description = f"完成 {FRAMEWORK_NAME} 全部 3 項主要職責、17 項行為指標與 5 項工作產出的評量，達職能級別 {LEVEL}。"
        else:
            name = f"{FRAMEWORK_NAME}：{code} {framework.name_of(code)}（級別 {LEVEL}）"
            description = f"{code} {framework.name_of(code)} 之所有行為指標均達認證政策門檻。"
        credential = badges.build_credential(
            learner=learner,
            achievement_code=code,
            achievement_name=name,
            description=description + simulated_note,
            criteria="；".join(policy.describe()),
            alignments=[{"code": c, "name": framework.name_of(c)} for c in covered],
            evidence=evidence(covered),
            issuer_did=key.did,
            issuer_name=policy.issuer_name,
            issuer_url=policy.issuer_url,
            valid_from=now,
        )
        issued.append((code, badges.sign_credential(credential, key, created=now)))
    return issued


def certify(
    records: GradeRecords,
    out_dir: Path | str,
    *,
    evidence: Any = None,
    course_dir: Path | str | None = None,
    policy: Policy | None = None,
    framework: Framework | None = None,
    simulated_manual: bool | None = None,
    flags: pd.DataFrame | None = None,
    keys_dir: Path | str | None = None,
    rubrics_dir: Path | str | None = None,
) -> CertificationResult:
    """Score, decide, and write every report, CSV and credential for grade records.

    Parameters
    ----------
    records : GradeRecords
        From :func:`~netmarketing.certify.scores.load_gradebook` or
        :func:`~netmarketing.certify.scores.records_from_frame`.
    out_dir : path
        Receives ``cohort.html``, the CSVs, ``learners/<id>.html`` and
        ``credentials/<id>/<code>.json``.
    evidence : list of EvidenceItem or DataFrame, optional
        The evidence map; read from ``course_dir`` when omitted, else from the gradebook's cells.
    simulated_manual : bool, optional
        Mark manual grades as simulated in every report and credential
        (defaults to ``records.simulated_manual``).
    flags : DataFrame, optional
        Integrity flags (learner, module, reason); defaults to ``records.flags``.
    """
    framework = framework or default_framework()
    policy = policy or Policy()
    simulated = records.simulated_manual if simulated_manual is None else simulated_manual
    flags = records.flags if flags is None else flags
    if evidence is None and course_dir is not None:
        from netmarketing.grading.evidence import evidence_map

        evidence = evidence_map(Path(course_dir))
    items = evidence_frame(evidence, records)
    scores = competency_scores(records, items, framework)
    decisions = decide(scores, framework, policy, flags=flags)
    stats = item_statistics(scores)

    rubric_refs: dict[tuple[str, str], str] = {}
    if course_dir is not None:
        try:
            rubric_refs = rubric_references(course_dir, load_rubrics(rubrics_dir), strict=False)
        except RubricError:
            rubric_refs = {}  # a broken rubric folder must not stop certification; `certify --check` reports it

    out = Path(out_dir)
    (out / "learners").mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    key = badges.load_or_create_issuer_key(keys_dir)
    credential_paths: list[Path] = []
    report_paths: dict[str, Path] = {}
    issued_codes: dict[str, list[str]] = {}
    simulated_learners = set(scores.items.loc[scores.items["simulated"], "learner"])
    for learner in scores.learners:
        learner_simulated = simulated or learner in simulated_learners
        issued = _credentials_for(
            learner, decisions, framework, key, simulated_manual=learner_simulated, now=now
        )
        links = []
        cred_dir = out / "credentials" / _safe(learner)
        if cred_dir.exists():  # credentials of an earlier run that no longer hold must not linger
            for old in cred_dir.glob("*.json"):
                old.unlink()
        for code, credential in issued:
            cred_dir.mkdir(parents=True, exist_ok=True)
            path = cred_dir / f"{code}.json"
            path.write_text(badges.dump_credential(credential), encoding="utf-8")
            credential_paths.append(path)
            links.append(
                {
                    "name": credential["name"],
                    "file": str(path),
                    "href": f"../credentials/{_safe(learner)}/{path.name}",
                }
            )
        issued_codes[learner] = [code for code, _ in issued]
        report = out / "learners" / f"{_safe(learner)}.html"
        report.write_text(
            learner_report_html(
                learner,
                scores,
                decisions,
                framework,
                simulated_manual=learner_simulated,
                credentials=links,
                rubric_refs=rubric_refs,
            ),
            encoding="utf-8",
        )
        report_paths[learner] = report

    summary = decisions.summary.copy()
    summary["credentials"] = summary["learner"].map(lambda lr: ",".join(issued_codes[lr]))
    summary["report"] = summary["learner"].map(lambda lr: str(report_paths[lr]))
    summary["simulated_manual"] = simulated | summary["learner"].isin(simulated_learners)

    # CSV in UTF-8 with BOM so that Excel in Taiwan shows the Chinese text.
    summary.to_csv(out / "decisions.csv", index=False, encoding="utf-8-sig")
    scores.wide("indicators").round(1).to_csv(out / "indicator_scores.csv", encoding="utf-8-sig")
    for level, file_name in (("tasks", "task"), ("duties", "duty"), ("outputs", "output")):
        scores.wide(level).round(1).to_csv(out / f"{file_name}_scores.csv", encoding="utf-8-sig")
    scores.items.to_csv(out / "item_scores.csv", index=False, encoding="utf-8-sig")
    stats.to_csv(out / "item_stats.csv", index=False, encoding="utf-8-sig")
    decisions.reasons.to_csv(out / "reasons.csv", index=False, encoding="utf-8-sig")
    cohort = out / "cohort.html"
    cohort.write_text(
        cohort_report_html(
            scores,
            decisions,
            framework,
            stats,
            simulated_manual=simulated or bool(simulated_learners),
            report_links={lr: f"learners/{p.name}" for lr, p in report_paths.items()},
        ),
        encoding="utf-8",
    )
    return CertificationResult(
        summary=summary,
        scores=scores,
        decisions=decisions,
        item_stats=stats,
        out_dir=out,
        cohort_report=cohort,
        credential_paths=credential_paths,
    )


def run(
    db_url: str,
    course_dir: Path | str | None,
    out_dir: Path | str,
    *,
    policy_path: Path | str | None = None,
    simulated_manual: bool = False,
    flags: pd.DataFrame | None = None,
    results_dir: Path | str | None = None,
    keys_dir: Path | str | None = None,
    rubrics_dir: Path | str | None = None,
    framework: Framework | None = None,
) -> CertificationResult:
    """Certify a cohort from an nbgrader gradebook and write everything.

    Parameters
    ----------
    db_url : str
        SQLAlchemy URL of the gradebook, e.g. ``"sqlite:///autograder/gradebook.db"``.
    course_dir : path or None
        The course source folder (``course/``) whose notebooks give the evidence map.
    out_dir : path
        Where reports, CSVs and credentials go (e.g. ``reports/``).
    policy_path : path, optional
        The certification policy; ``autograder/certification.yaml`` by default.
    simulated_manual : bool
        Mark manual grades as simulated (the demo's invented grades) everywhere.
    flags : DataFrame, optional
        Integrity flags from grading: learner, module, reason. By default read from
        ``results_dir`` (the grading results tables; ``results/`` next to a SQLite gradebook).

    Examples
    --------
    >>> from netmarketing import certify  # doctest: +SKIP
    >>> result = certify.run("sqlite:///autograder/gradebook.db", "course", "reports",
    ...                      simulated_manual=True)  # doctest: +SKIP
    >>> result.summary[["learner", "decision", "T1", "credentials"]]  # doctest: +SKIP
    """
    policy = load_policy(policy_path)
    records = load_gradebook(db_url)
    if flags is None:
        if results_dir is None and db_url.startswith("sqlite:///"):
            results_dir = Path(db_url.removeprefix("sqlite:///")).parent / "results"
        if results_dir is not None:
            flags = flags_from_results(results_dir)
    return certify(
        records,
        out_dir,
        course_dir=course_dir,
        policy=policy,
        framework=framework,
        simulated_manual=simulated_manual,
        flags=flags,
        keys_dir=keys_dir,
        rubrics_dir=rubrics_dir,
    )
