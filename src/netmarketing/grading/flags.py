"""Integrity flags where the instructor looks: nbgrader's ``flagged``, raised by the grader, cleared by a person.

Every integrity issue the grader records (status ``flagged``: an edited locked cell, an
identity that does not match, a deleted answer cell ...) flags the notebooks it names in
the gradebook, so formgrader's "Flagged?" column and flag button show it; the reasons are
in the results table and on top of the submission in formgrader (:mod:`.formgrader`).

The instructor resolves a flag by unflagging the submission in formgrader (its flag
button, or Ctrl+Shift+F). The next sync notices and records the resolution; from then on
the flag stays cleared, also when the same submission is graded again, until the
submission changes (its content hash, :func:`.autograde.submission_hash`). A resolved
flag no longer holds a certification decision back (:func:`resolved_submissions`).

What was raised and resolved is kept beside the results tables, in ``<autograder>/results/review/flags.json``
(a folder of its own, so that nothing reading the results tables ``results/*.json`` meets it)::

    {"01_market_analysis": {"sim05": {"hash": "...", "notebooks": ["t1_1_scope_and_sources"],
                                      "state": "open" | "resolved", "raised_at": "...",
                                      "resolved_at": "...", "reason_zh": "...", "reason_en": "..."}}}

A flag a person set by hand (no entry here) is never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FLAG_STATUS = "flagged"
OPEN, RESOLVED = "open", "resolved"
STATE_FILE = "flags.json"


def state_path(autograder: Path) -> Path:
    """Return the file of a workspace (``autograder/``) that remembers raised and resolved flags."""
    return Path(autograder) / "results" / "review" / STATE_FILE


def read_state(autograder: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Return ``{module: {learner: entry}}`` (empty when nothing was ever flagged)."""
    path = state_path(autograder)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def _locked_state(autograder: Path) -> Iterator[dict[str, dict[str, dict[str, Any]]]]:
    """Yield the state for changing it; write it back atomically (one writer at a time)."""
    path = state_path(autograder)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = read_state(autograder)
        yield state
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


def flag_issues(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the integrity issues of a grading record (those that flag the submission)."""
    return [i for i in record.get("issues", []) if i.get("status") == FLAG_STATUS]


def flag_in_gradebook(ws: Any, module: str, record: Mapping[str, Any]) -> None:
    """Raise, keep or clear the gradebook flag of one graded submission (called when it is stored)."""
    with _locked_state(Path(ws.root)) as state, ws.gradebook() as gb:
        _apply(gb, state.setdefault(module, {}), module, record)
        gb.db.commit()
        if not state[module]:
            del state[module]


def sync_flags(ws: Any, modules: Iterable[str]) -> dict[str, int]:
    """Bring the gradebook's flags and the resolutions up to date for every graded submission.

    Returns
    -------
    dict
        ``{"open": n, "resolved": n}`` over the modules given.
    """
    from netmarketing.grading.results import load_results

    counts = {OPEN: 0, RESOLVED: 0}
    with _locked_state(Path(ws.root)) as state, ws.gradebook() as gb:
        for module in modules:
            entries = state.setdefault(module, {})
            for record in load_results(ws, module).values():
                _apply(gb, entries, module, record)
            gb.db.commit()
            for entry in entries.values():
                counts[entry["state"]] += 1
            if not entries:
                del state[module]
    return counts


def _apply(gb: Any, entries: dict[str, dict[str, Any]], module: str, record: Mapping[str, Any]) -> None:
    from nbgrader.api import MissingEntry

    student = record["student"]
    entry = entries.get(student)
    issues = flag_issues(record)
    try:
        notebooks = {nb.name: nb for nb in gb.find_submission(module, student).notebooks}
    except MissingEntry:
        return
    if not issues:
        if entry is not None and entry["state"] == OPEN:
            for name in entry["notebooks"]:
                if name in notebooks:
                    notebooks[name].flagged = False
        entries.pop(student, None)
        return
    reasons = {
        "reason_zh": "；".join(i["reason_zh"] for i in issues),
        "reason_en": "; ".join(i["reason_en"] for i in issues),
    }
    if entry is not None and entry["hash"] == record.get("hash"):
        flagged = [name for name in entry["notebooks"] if name in notebooks and notebooks[name].flagged]
        if entry["state"] == OPEN and not flagged:
            entry.update(state=RESOLVED, resolved_at=_now())
        entry.update(reasons)
        return
    named = {i.get("notebook") for i in issues}
    targets = sorted(notebooks) if None in named or not named <= set(notebooks) else sorted(named)
    for name in targets:
        notebooks[name].flagged = True
    entries[student] = {
        "hash": record.get("hash"),
        "notebooks": targets,
        "state": OPEN,
        "raised_at": _now(),
        **reasons,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def resolved_submissions(autograder: Path | str) -> set[tuple[str, str]]:
    """Return ``(learner, module)`` of every flag the instructor resolved for the submission graded now."""
    autograder = Path(autograder)
    done = set()
    for module, entries in read_state(autograder).items():
        try:
            table = json.loads((autograder / "results" / f"{module}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        current = table.get("submissions", {})
        for learner, entry in entries.items():
            if entry["state"] == RESOLVED and current.get(learner, {}).get("hash") == entry["hash"]:
                done.add((learner, module))
    return done
