"""Are graded variants secret (HMAC of the id), their data folders tables only, and the secret kept private?"""

from __future__ import annotations

import os
import stat

import pytest

from netmarketing.data import seed_for
from netmarketing.grading.variant import Variants, course_secret, variant_label, variant_seed


def test_secret_is_created_private_and_refused_when_readable(tmp_path):
    """Is the course secret created 0600 in a 0700 folder, kept on later calls, and refused if others can read it?"""
    secret = course_secret(tmp_path)
    path = tmp_path / "secret" / "course.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert course_secret(tmp_path) == secret and len(secret) >= 32
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        course_secret(tmp_path)
    with pytest.raises(FileNotFoundError):
        course_secret(tmp_path / "other", create=False)


def test_seeds_need_the_secret():
    """Does a learner's seed depend on the secret, differ from the public seed, and differ between learners?"""
    a, b = b"secret-a", b"secret-b"
    assert variant_seed(a, "s001") == variant_seed(a, "s001")
    assert variant_seed(a, "s001") != variant_seed(b, "s001")
    assert variant_seed(a, "s001") != variant_seed(a, "s002")
    assert variant_seed(a, "s001") != seed_for("s001")
    assert variant_seed(a, "s001") >= 2**32 or variant_seed(a, "s002") >= 2**32  # 64-bit, not 32


def test_label_names_a_variant_without_revealing_its_seed():
    """Is the public variant label unrelated to the seed's digits and different under another secret?"""
    label = variant_label(b"k", "s001")
    assert label.startswith("v-") and str(variant_seed(b"k", "s001"))[:6] not in label
    assert variant_label(b"other", "s001") != label


@pytest.mark.slow
def test_a_learner_data_folder_holds_tables_only(tmp_path):
    """Does the kernel's data folder hold the tables and a variant label, and no truth, seed or secret?"""
    variants = Variants(b"test-secret-value", tmp_path / "cache", 0.05)
    folder = variants.data_folder("s001")
    names = {p.name for p in folder.rglob("*")}
    assert "variant.json" in names and "orders.parquet" in names
    assert not any("truth" in n or "manifest" in n for n in names)
    text = (folder / "variant.json").read_text(encoding="utf-8")
    assert str(variants.seed("s001")) not in text and "test-secret-value" not in text
    for path in folder.rglob("*.parquet"):
        assert str(variants.seed("s001")).encode() not in path.read_bytes()
    import pandas as pd

    world = variants.world("s001")  # the grader still has the truth, and the same tables
    assert isinstance(world.truth, dict) and world.truth
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "tables" / "orders.parquet"), world.tables["orders"]
    )


def test_grader_cache_is_private(tmp_path, monkeypatch):
    """Is the grader's cache (worlds with their truth) a 0700 folder?"""
    from netmarketing.grading.variant import grader_cache

    monkeypatch.delenv("NETMARKETING_GRADER_CACHE", raising=False)
    cache = grader_cache(tmp_path)
    assert cache == tmp_path / "cache" and stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_data_folders_follow_the_data_version_and_scale(tmp_path, monkeypatch):
    """Does a new data version or another scale get its own learner data folder (never stale tables)?"""
    import netmarketing.data

    built = []
    monkeypatch.setattr(
        Variants, "release", lambda self, lid, folder, replace=True: built.append(folder) or folder
    )
    small = Variants(b"k", tmp_path, 0.05).data_folder("s001")
    assert Variants(b"k", tmp_path, 0.2).data_folder("s001") != small
    monkeypatch.setattr(netmarketing.data, "DATA_VERSION", "99")
    assert Variants(b"k", tmp_path, 0.05).data_folder("s001") != small
    assert len(set(built)) == 3
