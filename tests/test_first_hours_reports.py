"""Are the reports a learner and an instructor open accessible (axe-core, in a real browser)?

The learner report and the cohort dashboard of ``netmarketing certify`` are scanned with axe-core
(the ``axe`` fixture of ``tests/conftest.py``): no serious or critical violation may remain, and
every chart has a text alternative a screen reader reads.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_certify import make_evidence, make_grades

from netmarketing import certify

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def framework() -> certify.Framework:
    return certify.default_framework()


@pytest.fixture(scope="module")
def reports(tmp_path_factory, framework):
    """Certify a small cohort (one achieved, one pending, one not yet) and return the result."""
    out = tmp_path_factory.mktemp("reports")
    evidence = make_evidence(framework)
    fractions = {
        "expert": {"*": 1.0},
        "waiting": {"*": 1.0, "p2_1_1__manual": np.nan},
        "novice": {"*": 0.2},
    }
    records = certify.records_from_frame(make_grades(evidence, fractions))
    return certify.certify(
        records, out, evidence=evidence, framework=framework, keys_dir=out / "keys", simulated_manual=True
    )


@pytest.mark.parametrize("learner", ["expert", "waiting", "novice"])
def test_learner_report_passes_axe(reports, page, axe, learner):
    """Does each learner report pass axe-core with no serious or critical violation?"""
    path = reports.summary.set_index("learner").loc[learner, "report"]
    page.goto(f"file://{path}")
    found = axe(page)
    assert not found, str(found)


def test_cohort_dashboard_passes_axe(reports, page, axe):
    """Does the cohort dashboard pass axe-core with no serious or critical violation?"""
    page.goto(reports.cohort_report.resolve().as_uri())
    found = axe(page)
    assert not found, str(found)


def test_charts_have_text_alternatives(reports, page, framework):
    """Is each chart an image with a name and a description giving its numbers in words?"""
    path = reports.summary.set_index("learner").loc["novice", "report"]
    page.goto(f"file://{path}")
    chart = page.get_by_role("img", name="17 項行為指標的得分與門檻（長條圖）")
    assert chart.count() == 1
    description = page.locator("#indicator-chart-desc").text_content()
    assert all(code in description for code in framework.indicator_codes)
    assert "未達標" in description and "%" in description
    page.goto(reports.cohort_report.resolve().as_uri())
    heatmap = page.get_by_role("img", name="3 位學員 × 17 項行為指標的得分熱圖")
    assert heatmap.count() == 1
    assert "novice" in page.locator("#heatmap-desc").text_content()
