"""Does the real-browser harness drive Debian's chromium and keep what a failed test saw?"""

from __future__ import annotations

import pytest

from tests.conftest import artifact_dir, keep_page


@pytest.mark.slow
def test_chromium_renders_chinese_and_marks(page):
    """Does chromium render zh-TW text and the self-check marks as real glyphs (not the missing-glyph box)?"""
    page.set_content(
        '<p id="ok" style="font-size:48px">✅</p><p id="tofu" style="font-size:48px">\U0010fffd</p>'
        "<h1>好日子選物</h1>"
    )
    assert page.inner_text("h1") == "好日子選物"
    ok = page.locator("#ok").screenshot()
    tofu = page.locator("#tofu").screenshot()
    # A missing glyph draws the same box as an unassigned code point; the emoji font draws colour.
    assert ok != tofu


@pytest.mark.slow
def test_failed_page_is_kept(page):
    """Does keep_page leave a screenshot and the HTML for the next person?"""
    page.set_content("<p>失敗時的畫面</p>")
    folder = keep_page(page, "harness-self-test")
    try:
        assert (folder / "page.png").stat().st_size > 0
        assert "失敗時的畫面" in (folder / "page.html").read_text(encoding="utf-8")
        assert folder == artifact_dir("harness-self-test")
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
