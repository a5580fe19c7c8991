"""Time certification (scores, decisions, reports, CSVs, signed credentials, evidence bundles,
status list) for simulated cohorts, and verifying what it wrote.

Prints figures; asserts nothing about time. Run: ``.venv/bin/python bench/bench_certify.py``.
Grades are fed as a table (no gradebook), so the figure is the certify room's own cost.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from netmarketing import certify


def make_cohort(
    framework: certify.Framework, n_learners: int, *, rng=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (evidence, grades): three items per indicator, learners of spread ability."""
    rng = np.random.default_rng(rng)
    module_of = {"T1": "01_market_analysis", "T2": "02_strategy", "T3": "03_performance"}
    output_of_task = framework.outputs.groupby("task")["code"].first().to_dict()
    rows = []
    for ind in framework.indicators.itertuples():
        slug = ind.code.lower().replace(".", "_")
        for k, (kind, points) in enumerate((("auto", 2.0), ("auto", 1.0), ("manual", 3.0))):
            output = output_of_task.get(ind.task) if kind == "manual" else None
            if ind.code == "P3.1.3" and kind == "manual":
                output = "O3.1.2"
            rows.append(
                dict(
                    module=module_of[ind.duty],
                    notebook="nb",
                    grade_id=f"{slug}__{k}",
                    indicator=ind.code,
                    output=output,
                    points=points,
                    kind=kind,
                )
            )
    evidence = pd.DataFrame(rows)
    ability = rng.uniform(0.2, 1.0, n_learners)
    grades = [
        dict(
            learner=f"sim{i:02d}",
            module=item.module,
            grade_id=item.grade_id,
            score=item.points * float(rng.random() < ability[i]),
            max_score=item.points,
        )
        for i in range(n_learners)
        for item in evidence.itertuples()
    ]
    return evidence, pd.DataFrame(grades)


def main() -> None:
    from netmarketing.certify.bundle import verify_bundle
    from netmarketing.certify.trust import load_trust_file
    from netmarketing.certify.verify import verify_credential_file

    framework = certify.default_framework()
    for n in (12, 30):
        evidence, grades = make_cohort(framework, n, rng=2027)
        with tempfile.TemporaryDirectory() as tmp:
            records = certify.records_from_frame(grades)
            start = time.perf_counter()
            result = certify.certify(
                records,
                Path(tmp) / "out",
                evidence=evidence,
                framework=framework,
                keys_dir=Path(tmp) / "keys",
            )
            elapsed = time.perf_counter() - start
            trust = load_trust_file(Path(tmp) / "keys")
            start = time.perf_counter()
            for path in result.credential_paths:
                verify_credential_file(path, trust)
            per_credential = (time.perf_counter() - start) / max(len(result.credential_paths), 1)
            start = time.perf_counter()
            for bundle in result.bundle_paths:
                verify_bundle(bundle, trust)
            per_bundle = (time.perf_counter() - start) / len(result.bundle_paths)
            bundle_bytes = sum(
                f.stat().st_size for f in (Path(tmp) / "out" / "bundles").rglob("*") if f.is_file()
            )
        counts = result.summary["decision"].value_counts().to_dict()
        print(
            f"{n} learners x {len(evidence)} items: certify {elapsed:.1f} s "
            f"({elapsed / n:.2f} s per learner), {len(result.credential_paths)} credentials, {counts}; "
            f"verify {1000 * per_credential:.0f} ms per credential (signature, trust, schema, status), "
            f"{1000 * per_bundle:.0f} ms per bundle; bundles {bundle_bytes / n / 1024:.0f} KB per learner"
        )


if __name__ == "__main__":
    main()
