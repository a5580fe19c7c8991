"""Are the reports a learner and an instructor open accessible (axe-core, in a real browser)?

The learner report and the cohort dashboard of ``netmarketing certify`` are scanned with axe-core
(the ``axe`` fixture of ``tests/conftest.py``): no serious or critical violation may remain, and
every chart has a text alternative a screen reader reads.
"""

from __future__ import annotations

import pytest
from test_certify import cohort_run, framework  # noqa: F401 - module-scoped fixtures: a certified cohort

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("learner", ["expert", "t1only", "waiting", "novice"])
def test_learner_report_passes_axe(cohort_run, page, axe, learner):  # noqa: F811
    """Does each learner report pass axe-core with no serious or critical violation?"""
    path = cohort_run.summary.set_index("learner").loc[learner, "report"]
    page.goto(f"file://{path}")
    found = axe(page)
    assert not found, str(found)


def test_cohort_dashboard_passes_axe(cohort_run, page, axe):  # noqa: F811
    """Does the cohort dashboard pass axe-core with no serious or critical violation?"""
    page.goto(cohort_run.cohort_report.resolve().as_uri())
    found = axe(page)
    assert not found, str(found)


def test_charts_have_text_alternatives(cohort_run, page, framework):  # noqa: F811
    """Is each chart an image with a name and a description giving its numbers in words?"""
    path = cohort_run.summary.set_index("learner").loc["novice", "report"]
    page.goto(f"file://{path}")
    chart = page.get_by_role("img", name="17 項行為指標的得分與門檻（長條圖）")
    assert chart.count() == 1
    description = page.locator("#indicator-chart-desc").text_content()
    assert all(code in description for code in framework.indicator_codes)
    assert "未達標" in description and "%" in description
    page.goto(cohort_run.cohort_report.resolve().as_uri())
    heatmap = page.get_by_role("img", name="4 位學員 × 17 項行為指標的得分熱圖")
    assert heatmap.count() == 1
    assert "novice" in page.locator("#heatmap-desc").text_content()
