"""certify room: from nbgrader grades to a KMC2431-008v1 level-4 decision, reports and credentials.

The door for the demo and the CLI::

    from netmarketing import certify
    db = "sqlite:///autograder/gradebook.db"
    certify.simulate_manual_grades(db, {"sim01": "expert", "sim02": 1}, course_dir="course")  # demo only
    result = certify.run(db, "course", "reports")   # simulated grades are marked in every report
    print(result.summary)   # learner, decision, T1, T2, T3, credentials, report

Pieces: :mod:`.scores` (roll-up cell -> indicator -> task -> duty), :mod:`.policy`
(``autograder/certification.yaml`` and the decision), :mod:`.rubrics`
(``autograder/rubrics/``), :mod:`.manual` (rubric records in formgrader comments:
criterion levels, grader, time, simulated), :mod:`.report` (HTML and CSV),
:mod:`.badges` (Open Badges 3.0, Ed25519 eddsa-jcs-2022), :mod:`.trust` (pinned
issuers), :mod:`.status` (revocation, W3C Bitstring Status List), :mod:`.bundle`
(evidence bundles) and :mod:`.verify` (every check ``netmarketing verify`` makes).
"""

from netmarketing.certify.badges import (
    VerificationError,
    load_or_create_issuer_key,
    schema_errors,
    verify_credential,
    verify_file,
)
from netmarketing.certify.bundle import verify_bundle
from netmarketing.certify.framework import Framework, default_framework, framework_from_standard
from netmarketing.certify.manual import ManualGrade, parse_record, read_manual_grade, render_record
from netmarketing.certify.pipeline import CertificationResult, certify, run
from netmarketing.certify.policy import (
    ACHIEVED,
    NOT_YET,
    PENDING,
    Decisions,
    Policy,
    PolicyError,
    decide,
    load_policy,
)
from netmarketing.certify.rubrics import Rubric, load_rubrics, points_for_level, rubric_for_cell
from netmarketing.certify.scores import (
    CompetencyScores,
    GradeRecords,
    competency_scores,
    evidence_frame,
    flags_from_results,
    load_gradebook,
    records_from_frame,
)
from netmarketing.certify.simulate import SIMULATED_MARK, simulate_manual_grades
from netmarketing.certify.trust import TrustList, default_trust, load_trust_file
from netmarketing.certify.verify import check_credential, verify_credential_file

__all__ = [
    "ACHIEVED",
    "NOT_YET",
    "PENDING",
    "SIMULATED_MARK",
    "CertificationResult",
    "CompetencyScores",
    "Decisions",
    "Framework",
    "GradeRecords",
    "ManualGrade",
    "Policy",
    "PolicyError",
    "Rubric",
    "TrustList",
    "VerificationError",
    "certify",
    "check_credential",
    "competency_scores",
    "decide",
    "default_framework",
    "default_trust",
    "evidence_frame",
    "flags_from_results",
    "framework_from_standard",
    "load_gradebook",
    "load_or_create_issuer_key",
    "load_policy",
    "load_rubrics",
    "load_trust_file",
    "parse_record",
    "points_for_level",
    "read_manual_grade",
    "records_from_frame",
    "render_record",
    "rubric_for_cell",
    "run",
    "schema_errors",
    "simulate_manual_grades",
    "verify_bundle",
    "verify_credential",
    "verify_credential_file",
    "verify_file",
]
