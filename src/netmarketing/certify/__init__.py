"""certify room: from nbgrader grades to a KMC2431-008v1 level-4 decision, reports and credentials.

The door for the demo and the CLI::

    from netmarketing import certify
    db = "sqlite:///autograder/gradebook.db"
    certify.simulate_manual_grades(db, {"sim01": "expert", "sim02": 1}, course_dir="course")  # demo only
    result = certify.run(db, "course", "reports")   # simulated grades are marked in every report
    print(result.summary)   # learner, decision, T1, T2, T3, credentials, report

Pieces: :mod:`.scores` (roll-up cell -> indicator -> task -> duty), :mod:`.policy`
(``autograder/certification.yaml`` and the decision), :mod:`.rubrics`
(``autograder/rubrics/``), :mod:`.report` (HTML and CSV), :mod:`.badges`
(Open Badges 3.0, Ed25519 eddsa-jcs-2022).
"""

from netmarketing.certify.badges import (
    VerificationError,
    load_or_create_issuer_key,
    verify_credential,
    verify_file,
)
from netmarketing.certify.framework import Framework, default_framework, framework_from_standard
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
    "Policy",
    "PolicyError",
    "Rubric",
    "VerificationError",
    "certify",
    "competency_scores",
    "decide",
    "default_framework",
    "evidence_frame",
    "flags_from_results",
    "framework_from_standard",
    "load_gradebook",
    "load_or_create_issuer_key",
    "load_policy",
    "load_rubrics",
    "points_for_level",
    "records_from_frame",
    "rubric_for_cell",
    "run",
    "simulate_manual_grades",
    "verify_credential",
    "verify_file",
]
