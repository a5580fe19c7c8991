"""One call from grades to decisions, reports, CSVs, credentials, evidence bundles and the status list."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from netmarketing.certify import badges, status
from netmarketing.certify.bundle import BundleWriter, add_evidence, load_results
from netmarketing.certify.framework import FRAMEWORK_CODE, FRAMEWORK_NAME, LEVEL, Framework, default_framework
from netmarketing.certify.manual import stamp_first_seen
from netmarketing.certify.policy import ACHIEVED, MET, Decisions, Policy, decide, load_policy
from netmarketing.certify.report import (
    cohort_report_html,
    item_statistics,
    learner_report_html,
    module_totals,
    written_answers,
)
from netmarketing.certify.rubrics import RubricError, load_rubrics, rubric_references
from netmarketing.certify.scores import (
    CompetencyScores,
    GradeRecords,
    competency_scores,
    evidence_frame,
    flags_from_results,
    load_gradebook,
)
from netmarketing.certify.verify import FACTS_KEY

FULL_CODE = f"{FRAMEWORK_CODE}-level{LEVEL}"
MANUAL_LOG = "manual_grades.csv"  # in <autograder>/results/: when certify first saw each manual grade


@dataclass
class CertificationResult:
    """What :func:`run` produced.

    Attributes
    ----------
    summary : DataFrame
        learner, decision, T1, T2, T3 (met / not_met / pending), credentials
        (comma-separated codes issued), report (path of the learner's HTML report).
    bundle_paths : list of Path
        One evidence bundle (folder or zip) per learner.
    status_list : Path
        The signed revocation list to publish (``<out>/status/revocation-list.json``).
    withdrawn : list of str
        Ids of earlier credentials revoked because they no longer hold.
    key : IssuerKey
        The issuer key used (``key.pinned_in`` names trust files a new key was pinned in).
    """

    summary: pd.DataFrame
    scores: CompetencyScores
    decisions: Decisions
    item_stats: pd.DataFrame
    out_dir: Path
    cohort_report: Path
    credential_paths: list[Path]
    bundle_paths: list[Path] = field(default_factory=list)
    status_list: Path | None = None
    withdrawn: list[str] = field(default_factory=list)
    key: badges.IssuerKey | None = None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def _targets(learner: str, decisions: Decisions, framework: Framework) -> list[tuple[str, list[str]]]:
    """Return (code, indicators covered) for every duty met, and for level 4 when achieved."""
    summary = decisions.summary.set_index("learner").loc[learner]
    targets = [(d, framework.indicators_of_duty(d)) for d in framework.duty_codes if summary[d] == MET]
    if summary["decision"] == ACHIEVED:
        targets.append((FULL_CODE, framework.indicator_codes))
    return targets


def _credential_text(code: str, framework: Framework) -> tuple[str, str]:
    if code == FULL_CODE:
        return (
            f"{FRAMEWORK_NAME} 職能級別 {LEVEL}",
            f"完成 {FRAMEWORK_NAME} 全部 3 項主要職責、17 項行為指標與 5 項工作產出的評量，達職能級別 {LEVEL}。",
        )
    return (
        f"{FRAMEWORK_NAME}：{code} {framework.name_of(code)}（級別 {LEVEL}）",
        f"{code} {framework.name_of(code)} 之所有行為指標均達認證政策門檻。",
    )


def build_evidence_facts(
    items: pd.DataFrame, covered: list[str], policy: Policy, digest: str
) -> dict[str, Any]:
    """Return the machine-readable evidence of a credential: simulated grades, policy, modules, items.

    Parameters
    ----------
    items : DataFrame
        The learner's counting items (``CompetencyScores.items`` rows) with a final ``simulated`` column.
    covered : list of str
        The indicators the credential covers.
    digest : str
        The evidence digest of the learner's bundle (:func:`netmarketing.certify.bundle.evidence_digest`).
    """
    own = items[items["indicator"].isin(covered)].sort_values(["module", "notebook", "grade_id"])
    simulated = bool(own["simulated"].any())
    return {
        "id": f"urn:netmarketing:evidence:{digest}",
        "name": "評分證據事實 (evidence facts)",
        "narrative": (
            f"依據 {own['module'].nunique()} 個模組、{len(own)} 個評分項目；認證政策版次 "
            f"{policy.revision or policy.version}，SHA-256 {policy.sha256[:12]}…"
            + ("；其中含示範用的模擬人工評分 (includes simulated manual grades)" if simulated else "")
        ),
        "genre": "evidence facts",
        "anySimulatedGrade": simulated,
        "policyVersion": policy.version,
        "policyRevision": policy.revision,
        FACTS_KEY: policy.sha256,
        "modules": sorted(own["module"].unique()),
        "items": [
            {
                "gradeId": row["grade_id"],
                "module": row["module"],
                "notebook": row["notebook"],
                "indicator": row["indicator"],
                "kind": row["kind"],
                "score": None if pd.isna(row["score"]) else float(row["score"]),
                "maxScore": float(row["max_score"]),
                "simulated": bool(row["simulated"]),
            }
            for row in own.to_dict("records")
        ],
        "evidenceBundleDigest": digest,
    }


def _indicator_evidence(
    indicators: pd.DataFrame, covered: list[str], simulated: bool
) -> list[dict[str, Any]]:
    note = "（其中人工評分為示範用模擬分數 simulated）" if simulated else ""
    ind = indicators.set_index("code")
    return [
        {
            "name": f"{code} 評分證據",
            "narrative": f"{code}：{ind.loc[code, 'percent']:.0f}%（{int(ind.loc[code, 'n_items'])} 個評分項目，"
            f"門檻 {ind.loc[code, 'threshold']:g}%）{note}",
        }
        for code in covered
    ]


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
    autograder_dir: Path | str | None = None,
    bundle_zip: bool = False,
) -> CertificationResult:
    """Score, decide, and write every report, CSV, credential and evidence bundle for grade records.

    Parameters
    ----------
    records : GradeRecords
        From :func:`~netmarketing.certify.scores.load_gradebook` or
        :func:`~netmarketing.certify.scores.records_from_frame`.
    out_dir : path
        Receives ``cohort.html``, the CSVs, ``learners/<id>.html``, ``credentials/<id>/<code>.json``,
        ``bundles/<id>/`` and ``status/revocation-list.json``.
    evidence : list of EvidenceItem or DataFrame, optional
        The evidence map; read from ``course_dir`` when omitted, else from the gradebook's cells.
    simulated_manual : bool, optional
        Mark manual grades as simulated in every report and credential
        (defaults to ``records.simulated_manual``).
    flags : DataFrame, optional
        Integrity flags (learner, module, reason); defaults to ``records.flags``.
    keys_dir : path, optional
        The issuer key's folder; it also keeps the register of credentials issued (:mod:`.status`).
    autograder_dir : path, optional
        The grading workspace: graded notebooks and answers (``autograded/``) and results
        tables (``results/``) go into the bundles; the manual-grade log is kept in ``results/``.
    bundle_zip : bool
        Write each evidence bundle as one zip instead of a folder.
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
    try:
        rubrics = load_rubrics(rubrics_dir)
    except RubricError:
        rubrics = None  # a broken rubric folder must not stop certification; `certify --check` reports it
    if course_dir is not None and rubrics is not None:
        rubric_refs = rubric_references(course_dir, rubrics, strict=False)

    out = Path(out_dir)
    (out / "learners").mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    key = badges.load_or_create_issuer_key(keys_dir, issuer_name=policy.issuer_name)
    register = status.Register.load(key.keys_dir or ".")
    list_url = status.list_url(policy.issuer_status_list, policy.issuer_url, key.did)
    workspace = Path(autograder_dir) if autograder_dir is not None else None
    results = load_results(workspace / "results" if workspace else None)
    manual = records.manual
    if workspace is not None and not manual.empty:
        manual = stamp_first_seen(workspace / "results" / MANUAL_LOG, manual, now)

    # Simulated: marked in the gradebook, or every manual grade when the caller says so.
    scores.items["simulated"] = scores.items["simulated"] | (
        simulated & (scores.items["kind"] == "manual") & (scores.items["status"] == "graded")
    )
    simulated_learners = set(scores.items.loc[scores.items["simulated"], "learner"])
    credential_paths: list[Path] = []
    bundle_paths: list[Path] = []
    report_paths: dict[str, Path] = {}
    issued_codes: dict[str, list[str]] = {}
    for learner in scores.learners:
        learner_simulated = learner in simulated_learners
        own = decisions.for_learner(learner)
        learner_items = scores.items[scores.items["learner"] == learner]
        targets = _targets(learner, decisions, framework)
        cred_dir = out / "credentials" / _safe(learner)
        if cred_dir.exists():  # credentials of an earlier run that no longer hold must not linger
            for old in cred_dir.glob("*.json"):
                old.unlink()
        links = [
            {
                "name": _credential_text(code, framework)[0],
                "file": str(cred_dir / f"{code}.json"),
                "href": f"../credentials/{_safe(learner)}/{code}.json",
            }
            for code, _ in targets
        ]
        report_html = learner_report_html(
            learner,
            scores,
            decisions,
            framework,
            simulated_manual=learner_simulated,
            credentials=links,
            rubric_refs=rubric_refs,
            written=written_answers(manual[manual["learner"] == learner], rubrics),
            totals=module_totals(records.grades, learner),
        )
        report = out / "learners" / f"{_safe(learner)}.html"
        report.write_text(report_html, encoding="utf-8")
        report_paths[learner] = report

        writer = BundleWriter(out / "bundles" / _safe(learner))
        add_evidence(
            writer,
            learner,
            items=learner_items,
            submissions=records.submissions[records.submissions["learner"] == learner],
            manual=manual[manual["learner"] == learner],
            results=results,
            autograded_dir=workspace / "autograded" if workspace else None,
            decision={
                "learner": learner,
                "decision": own["decision"],
                "created": now,
                "duties": {
                    d: decisions.summary.set_index("learner").loc[learner, d] for d in framework.duty_codes
                },
                "reasons": own["reasons"].drop(columns="learner").to_dict("records"),
                "anySimulatedGrade": learner_simulated,
                "policy": {
                    "version": policy.version,
                    "revision": policy.revision,
                    "sha256": policy.sha256,
                    "source": policy.source,
                    "rules": policy.describe(),
                },
                "credentials": [code for code, _ in targets],
            },
            policy_text=policy.as_text(),
            report_html=report_html,
            created=now,
        )
        digest = writer.evidence_digest()
        for code, covered in targets:
            name, description = _credential_text(code, framework)
            credential_id = f"urn:uuid:{uuid.uuid4()}"
            index = register.allocate(credential_id, learner, code, now, list_url)
            credential = badges.build_credential(
                learner=learner,
                achievement_code=code,
                achievement_name=name,
                description=description
                + ("（其中人工評分為示範用模擬分數 simulated）" if learner_simulated else ""),
                criteria="；".join(policy.describe()),
                alignments=[{"code": c, "name": framework.name_of(c)} for c in covered],
                evidence=[
                    build_evidence_facts(learner_items, covered, policy, digest),
                    *_indicator_evidence(own["indicators"], covered, learner_simulated),
                ],
                issuer_did=key.did,
                issuer_name=policy.issuer_name,
                issuer_url=policy.issuer_url,
                valid_from=now,
                credential_id=credential_id,
                credential_status=status.status_entry(list_url, index),
            )
            signed = badges.sign_credential(credential, key, created=now)
            problems = badges.schema_errors(signed)
            if problems:  # a bug in this kit, never the learner's doing: stop before anything is published
                raise RuntimeError(f"credential {code} of {learner} breaks the OB 3.0 schema: {problems[:3]}")
            text = badges.dump_credential(signed)
            cred_dir.mkdir(parents=True, exist_ok=True)
            path = cred_dir / f"{code}.json"
            path.write_text(text, encoding="utf-8")
            credential_paths.append(path)
            writer.add_text(f"credentials/{code}.json", text, role="credential")
        bundle_paths.append(
            writer.finish(
                key, {"learner": learner, "decision": own["decision"], "created": now}, as_zip=bundle_zip
            )
        )
        issued_codes[learner] = [code for code, _ in targets]

    withdrawn = _withdraw_outdated(register, issued_codes, now)
    register.save()
    status_list = status.write_status_list(register, key, list_url, out)

    summary = decisions.summary.copy()
    summary["credentials"] = summary["learner"].map(lambda lr: ",".join(issued_codes[lr]))
    summary["report"] = summary["learner"].map(lambda lr: str(report_paths[lr]))
    summary["simulated_manual"] = summary["learner"].isin(simulated_learners)

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
            simulated_manual=bool(simulated_learners),
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
        bundle_paths=bundle_paths,
        status_list=status_list,
        withdrawn=withdrawn,
        key=key,
    )


def open_flags(results_dir: Path | str) -> pd.DataFrame:
    """Return the integrity flags of the results tables that still hold a decision back.

    A flag the instructor resolved in formgrader (:mod:`netmarketing.grading.flags`) for the
    submission graded now no longer counts; a grader error always does.
    """
    from netmarketing.grading.flags import resolved_submissions

    flags = flags_from_results(results_dir)
    done = resolved_submissions(Path(results_dir).parent)
    keep = [(lr, m) not in done for lr, m in zip(flags["learner"], flags["module"], strict=True)]
    return flags[keep].reset_index(drop=True)


def sync_workspace_flags(autograder_dir: Path, db_url: str, course_dir: Path | str | None = None) -> None:
    """Record the flags the instructor resolved in formgrader since the last sync (:func:`.flags.sync_flags`)."""
    from netmarketing.grading.flags import sync_flags
    from netmarketing.grading.workspace import Workspace

    results = Path(autograder_dir) / "results"
    modules = [p.stem for p in sorted(results.glob("*.json"))]
    if not modules or not db_url:
        return
    ws = Workspace(Path(autograder_dir), course_dir=Path(course_dir) if course_dir else None, db_url=db_url)
    sync_flags(ws, modules)


def _withdraw_outdated(register: status.Register, issued: dict[str, list[str]], now: str) -> list[str]:
    """Revoke earlier credentials of this cohort whose achievement no longer holds; return their ids."""
    withdrawn = []
    for row in register.active():
        learner, code = row["learner"], row["code"]
        if row["issued_at"] != now and learner in issued and code not in issued[learner]:
            register.revoke(
                row["credential_id"],
                f"重新認證後不再成立 (no longer holds after re-certification, {now})",
                now,
            )
            withdrawn.append(row["credential_id"])
    return withdrawn


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
    autograder_dir: Path | str | None = None,
    bundle_zip: bool = False,
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
    autograder_dir : path, optional
        The grading workspace whose graded notebooks, answers and results go into the
        evidence bundles; the folder of a SQLite gradebook by default.

    Examples
    --------
    >>> from netmarketing import certify  # doctest: +SKIP
    >>> result = certify.run("sqlite:///autograder/gradebook.db", "course", "reports",
    ...                      simulated_manual=True)  # doctest: +SKIP
    >>> result.summary[["learner", "decision", "T1", "credentials"]]  # doctest: +SKIP
    """
    policy = load_policy(policy_path)
    records = load_gradebook(db_url, rubrics_dir=rubrics_dir)
    if autograder_dir is None and db_url.startswith("sqlite:///"):
        autograder_dir = Path(db_url.removeprefix("sqlite:///")).parent
    if results_dir is None and autograder_dir is not None:
        results_dir = Path(autograder_dir) / "results"
    if autograder_dir is not None:
        sync_workspace_flags(Path(autograder_dir), db_url, course_dir)
    if flags is None and results_dir is not None:
        flags = open_flags(results_dir)
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
        autograder_dir=autograder_dir,
        bundle_zip=bundle_zip,
    )
