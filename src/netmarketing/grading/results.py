"""The results table of a module: one record per submission, with its status and reasons.

``<autograder>/results/<module>.json`` (and a ``.csv`` beside it) is what the instructor
reads first: for each learner the status (``graded``, ``flagged``, ``timeout`` ...), the
score, the reasons in zh-TW and English, and per notebook and item the score and the
check's message. A record is written as soon as its submission is graded, so a crash of
the grader loses nothing already graded.

Statuses (most severe first, see :data:`.integrity.STATUS_ORDER`): ``error`` (grader failure,
retried on the next run), ``corrupt``, ``missing``, ``killed``, ``crashed``, ``memory``,
``timeout``, ``flagged``, ``graded``.
"""

from __future__ import annotations

import csv
import json
import os
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netmarketing.grading.integrity import Issue, worst_status

GRADER_VERSION = "2"


def results_path(ws: Any, module: str) -> Path:
    """Return the results table (JSON) of a module."""
    return Path(ws.root) / "results" / f"{module}.json"


def load_results(ws: Any, module: str) -> dict[str, dict[str, Any]]:
    """Return ``{student: record}`` of the last runs of a module (empty when never graded)."""
    path = results_path(ws, module)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("submissions", {})


def save_results(ws: Any, module: str, records: dict[str, dict[str, Any]]) -> None:
    """Write the results table of a module (JSON, then CSV), replacing the old one atomically."""
    path = results_path(ws, module)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"module": module, "grader_version": GRADER_VERSION, "submissions": records}
    # Per-process temporary names: several runs (shards) may publish the same module at once.
    tmp = path.with_suffix(f".json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    csv_tmp = path.with_suffix(f".csv.{os.getpid()}.tmp")
    with open(csv_tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["student", "status", "score", "max_score", "sandbox", "reason_zh", "reason_en", "graded_at"]
        )
        for student in sorted(records):
            r = records[student]
            writer.writerow(
                [
                    student,
                    r["status"],
                    r.get("score"),
                    r.get("max_score"),
                    r.get("sandbox"),
                    r["reason_zh"],
                    r["reason_en"],
                    r.get("graded_at"),
                ]
            )
    os.replace(csv_tmp, path.with_suffix(".csv"))


def publish_results(ws: Any, module: str, ledger: Any) -> None:
    """Write the results table from the gradebook's ledger, until what was written is still its state.

    Two runs (shards) finishing at once could otherwise leave the older table last: run A reads
    the ledger, run B finishes and writes, A writes what it read. Each run records its finish
    before it publishes, so a run that re-reads after writing sees every finish that came before
    any other run's write, and rewrites when it finds one.
    """
    records = ledger.records(module)
    while True:
        save_results(ws, module, records)
        newer = ledger.records(module)
        if newer == records:
            return
        records = newer


def finish(record: dict[str, Any]) -> dict[str, Any]:
    """Fill in a record's status, reasons, totals and time from its issues and grades."""
    issues = record["issues"]
    record["status"] = worst_status(issues)
    record["reason_zh"] = "；".join(i["reason_zh"] for i in issues) or "已完成評分"
    record["reason_en"] = "; ".join(i["reason_en"] for i in issues) or "graded"
    scores = [g for nb in record["notebooks"].values() for g in nb.get("grades", {}).values()]
    record["max_score"] = sum(g["max_score"] for g in scores)
    known = [g["score"] for g in scores if g["score"] is not None]
    record["score"] = round(sum(known), 4) if known else None
    record["graded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return record


def error_record(task: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    """Return the record of a submission the grader itself failed on (graded again next run)."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-500:]
    issue = Issue(
        "grader_error",
        "error",
        f"評分程式內部錯誤，下次執行會重新評分：{text}",
        f"internal grader error, will be graded again on the next run: {text}",
    )
    return finish(
        {
            "student": task["student"],
            "module": task["module"],
            "hash": task["hash"],
            "sandbox": task.get("sandbox"),
            "notebooks": {},
            "issues": [issue.as_dict()],
            "duration_s": None,
        }
    )


def public(record: dict[str, Any]) -> dict[str, Any]:
    """Return a record without its private (``_``-prefixed) entries."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
