"""Learner identity while autograding, and the identity marker of a submission.

How the autograder gives the kernel the SUBMITTING learner's identity
----------------------------------------------------------------------
Notebooks call ``netmarketing.learner.learner_id()``, which reads
``$NETMARKETING_LEARNER`` first (then ``$JUPYTERHUB_USER``, then
``~/.netmarketing/learner.txt``). The kernel inherits the environment of the
process that starts it, so the grader must start the kernel of each submission
with :func:`kernel_env_for` ``(student_id)``, e.g. by running one
``nbgrader autograde MODULE --student STUDENT`` process per submission with
``env=kernel_env_for(student_id)``, or by setting ``os.environ`` (or the kernel
manager's ``env``) before each submission in a long-lived process. Never grade
several learners in one process without switching this variable: every learner
would be graded against the variant of the first one.

The identity marker
-------------------
The first code cell of every notebook records ``LEARNER_ID = learner.whoami()``
(or ``learner.learner_id()`` plus a ``learner.whoami()`` call); ``whoami()`` prints
``學員代號 (learner id)：<id>`` and returns the id.
The submitted (saved) notebook keeps that output; :func:`check_identity_marker`
reads it back and flags a notebook that was run by someone else (a copied file).
A notebook saved without outputs carries no marker and is not flagged: nbgrader
re-runs it under the submitting learner's id anyway.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netmarketing.learner.data import SELF_STUDY
from netmarketing.learner.identity import ENV_HUB_USER, ENV_LEARNER, MARKER_LABEL, VARIANT_LABEL

_MARKER_RE = re.compile(re.escape(MARKER_LABEL) + r"\s*(?P<id>[^\s'\"]+)")
_VARIANT_RE = re.compile(re.escape(VARIANT_LABEL) + r"\s*(?P<label>[^\s'\"]+)")
_ASSIGNED_RE = re.compile(r"^\s*LEARNER_ID\s*=\s*(?P<value>.+?)\s*$", re.MULTILINE)


def kernel_env_for(student_id: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment in which to run (and start the kernel of) one learner's submission.

    Parameters
    ----------
    student_id : str
        The submitting learner (nbgrader student id = roster id = JupyterHub user).
    base : mapping, optional
        Environment to start from; default ``os.environ``.

    Returns
    -------
    dict
        ``base`` with ``NETMARKETING_LEARNER=student_id`` and without
        ``JUPYTERHUB_USER`` (the grader's own hub user must never leak in).
    """
    env = dict(os.environ if base is None else base)
    env.pop(ENV_HUB_USER, None)
    env[ENV_LEARNER] = student_id
    return env


def _cell_text(output: Mapping[str, Any]) -> str:
    if "text" in output:
        text = output["text"]
    else:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else str(text)


def recorded_learner_ids(nb: Mapping[str, Any]) -> list[str]:
    """Return every learner id a saved notebook records, in cell order (duplicates kept)."""
    ids: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []) or []:
            ids.extend(m.group("id") for m in _MARKER_RE.finditer(_cell_text(output)))
    return ids


def check_identity_marker(nb: Mapping[str, Any] | str | Path, student_id: str) -> str | None:
    """Return why a submission's identity marker contradicts the submitting learner, or ``None``.

    Parameters
    ----------
    nb : notebook dict (as read by ``json``/``nbformat``) or path to an ``.ipynb``
    student_id : str
        The learner the submission belongs to.

    Returns
    -------
    str or None
        A zh-TW message (English in parentheses) when the saved outputs show another
        learner's id, or when the ``LEARNER_ID`` line was replaced by a fixed value;
        ``None`` when the marker matches or the notebook was saved without outputs.
    """
    if isinstance(nb, str | Path):
        import nbformat

        nb = nbformat.read(str(nb), as_version=4)
    others = sorted({lid for lid in recorded_learner_ids(nb) if lid != student_id})
    if others:
        return (
            f"身分標記不符：筆記本記錄的學員代號是 {', '.join(others)}，繳交者是 {student_id}，"
            "可能是複製他人的檔案 "
            f"(identity marker mismatch: notebook was run as {', '.join(others)}, submitted by {student_id})"
        )
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for match in _ASSIGNED_RE.finditer(source):
            if not re.fullmatch(r"(\w+\.)?(learner_id|whoami)\(\)(\s*#.*)?", match.group("value")):
                return (
                    f"身分標記被改寫：LEARNER_ID = {match.group('value')}，應為 learner.whoami() "
                    f"(identity marker rewritten to a fixed value)"
                )
    return None


def recorded_variants(nb: Mapping[str, Any]) -> list[str]:
    """Return every data-variant label a saved notebook records, in cell order."""
    labels: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []) or []:
            labels.extend(m.group("label") for m in _VARIANT_RE.finditer(_cell_text(output)))
    return labels


def identity_issues(nb: Mapping[str, Any], student_id: str, label: str, notebook: str) -> list[Any]:
    """Return the integrity issues of a submitted notebook's identity marker.

    - another learner's id in the saved outputs, or ``LEARNER_ID`` rewritten: flagged;
    - run in self-study mode (public practice data): explained, not flagged; the grader
      re-runs the notebook on the learner's own variant anyway;
    - run on a variant other than the learner's (e.g. an old data folder): explained.
    """
    from netmarketing.grading.integrity import Issue

    issues = []
    mismatch = check_identity_marker(nb, student_id)
    if mismatch:
        issues.append(Issue("identity_mismatch", "flagged", mismatch, mismatch, notebook))
    labels = set(recorded_variants(nb))
    if SELF_STUDY in labels:
        issues.append(
            Issue(
                "self_study_run",
                "graded",
                "這本筆記本是在自學模式（公開練習資料）下執行與存檔的；評分時已改用你的資料版本從頭重新執行，"
                "所以分數依你的資料計算。下次請在課程的 JupyterHub 上作答，或向講師索取你的資料資料夾",
                "the notebook was saved in self-study mode (public data); it was re-run on the learner's own "
                "variant for grading",
                notebook,
            )
        )
    elif labels - {label}:
        issues.append(
            Issue(
                "other_variant_run",
                "graded",
                "這本筆記本存檔時使用的資料版本不是你目前的版本；評分時已改用你的資料版本從頭重新執行",
                "the notebook was saved on another data variant; it was re-run on the learner's own variant",
                notebook,
            )
        )
    return issues
