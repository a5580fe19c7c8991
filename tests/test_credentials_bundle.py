"""Tests of evidence bundles: what `certify` files per learner, and `verify --bundle` catching any change."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_certify import make_evidence, make_grades  # a sibling test module (pytest puts tests/ on the path)

from netmarketing import certify
from netmarketing.certify import badges
from netmarketing.certify.badges import VerificationError
from netmarketing.certify.bundle import MANIFEST, evidence_digest, verify_bundle
from netmarketing.certify.trust import load_trust_file
from netmarketing.cli import main

T1_MODULE = "01_market_analysis"


def _workspace(root: Path, evidence: pd.DataFrame) -> Path:
    """A grading workspace as the grader leaves it, for module 01 of learner 'expert' only."""
    autograder = root / "autograder"
    graded = autograder / "autograded" / "expert" / T1_MODULE
    (graded / "answers" / "nb").mkdir(parents=True)
    (graded / "nb.ipynb").write_text('{"cells": [], "nbformat": 4}', encoding="utf-8")
    (graded / "answers" / "nb" / "p1_1_1__auto.json").write_text('{"value": 42}', encoding="utf-8")
    (graded / "answers" / "nb" / "p1_1_1__auto.parquet").write_bytes(b"PAR1 fake table PAR1")
    items = evidence[evidence["module"] == T1_MODULE]
    grades = {
        gid: {"score": 2.0, "max_score": 2.0, "kind": "auto", "message": f"{gid} 通過"}
        for gid in items["grade_id"]
    }
    results = {
        "module": T1_MODULE,
        "submissions": {
            "expert": {"status": "graded", "reason_zh": "已完成評分", "notebooks": {"nb": {"grades": grades}}}
        },
    }
    (autograder / "results").mkdir()
    (autograder / "results" / f"{T1_MODULE}.json").write_text(
        json.dumps(results, ensure_ascii=False), encoding="utf-8"
    )
    return autograder


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundles")
    framework = certify.default_framework()
    evidence = make_evidence(framework)
    fractions = {"expert": {"*": 1.0}, "waiting": {"*": 1.0, "p2_1_1__manual": np.nan}}
    grades = make_grades(evidence, fractions)
    grades["simulated"] = grades["grade_id"].str.endswith("__manual") & (grades["learner"] == "expert")
    subs = (
        grades[["learner", "module"]]
        .drop_duplicates()
        .assign(submitted_at="2025-03-02T10:00:00", due="2025-03-01T23:59:00", late=True)
    )
    records = certify.records_from_frame(grades, submissions=subs)
    result = certify.certify(
        records,
        root / "out",
        evidence=evidence,
        framework=framework,
        keys_dir=root / "keys",
        autograder_dir=_workspace(root, evidence),
    )
    return {"result": result, "root": root, "trust": load_trust_file(root / "keys")}


def _bundle(certified, learner="expert") -> Path:
    return certified["result"].out_dir / "bundles" / learner


def _copy(certified, tmp_path, learner="expert") -> Path:
    target = tmp_path / "out" / "bundles" / learner
    shutil.copytree(_bundle(certified, learner), target)
    shutil.copytree(certified["result"].out_dir / "status", tmp_path / "out" / "status")
    return target


def test_bundle_holds_what_a_certifier_needs(certified):
    """Does the bundle hold the notebooks, answers, items with messages, decision, policy and its hash, and late flags?"""
    bundle = _bundle(certified)
    for rel in (
        "README.md",
        "decision.json",
        "policy/certification.yaml",
        "modules.csv",
        "items.csv",
        "manual_grades.csv",
        "reports/learner.html",
        f"notebooks/{T1_MODULE}/nb.ipynb",
        f"answers/{T1_MODULE}/nb/p1_1_1__auto.json",
        f"answers/{T1_MODULE}/nb/p1_1_1__auto.parquet",
        "credentials/T1.json",
        MANIFEST,
    ):
        assert (bundle / rel).is_file(), rel
    decision = json.loads((bundle / "decision.json").read_text(encoding="utf-8"))
    policy_bytes = (bundle / "policy" / "certification.yaml").read_bytes()
    assert decision["decision"] == "achieved"
    assert decision["policy"]["sha256"] == hashlib.sha256(policy_bytes).hexdigest()
    items = pd.read_csv(bundle / "items.csv", encoding="utf-8-sig")
    first = items.set_index("grade_id").loc["p1_1_1__auto"]
    assert first["grader_message"] == "p1_1_1__auto 通過"
    assert f"answers/{T1_MODULE}/nb/p1_1_1__auto.json" in first["answer_files"]
    modules = pd.read_csv(bundle / "modules.csv", encoding="utf-8-sig").set_index("module")
    assert modules["late"].all()
    assert modules.loc[T1_MODULE, "notebooks"] == 1
    # Modules the grader left nothing for say so instead of failing.
    assert "找不到此模組的評分結果表" in modules.loc["02_strategy", "note"]
    assert "評分時未保存作答資料" in modules.loc["02_strategy", "note"]


def test_manifest_lists_every_file_and_credentials_rest_on_the_evidence(certified):
    """Does the signed manifest hash every file, and does each credential carry the bundle's evidence digest?"""
    bundle = _bundle(certified)
    manifest = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()} - {MANIFEST}
    assert {e["path"] for e in manifest["files"]} == files
    for entry in manifest["files"]:
        assert hashlib.sha256((bundle / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    evidence = {e["path"]: e["sha256"] for e in manifest["files"] if e["role"] == "evidence"}
    assert manifest["evidenceDigest"] == evidence_digest(evidence)
    credential = json.loads((bundle / "credentials" / "T1.json").read_text(encoding="utf-8"))
    facts = certify.verify.evidence_facts(credential)
    assert facts["evidenceBundleDigest"] == manifest["evidenceDigest"]
    assert badges.verify_proof(manifest) == certified["result"].key.did


def test_intact_bundle_verifies(certified, capsys):
    """Does `netmarketing verify --bundle` accept an untouched bundle and list its credentials?"""
    trust = str(certified["root"] / "keys")
    assert main(["verify", "--bundle", str(_bundle(certified)), "--trust", trust]) == 0
    out = capsys.readouterr().out
    assert "有效" in out and "credentials/T1.json" in out


def test_one_changed_file_is_named(certified, tmp_path, capsys):
    """Is a bundle with one byte of a graded notebook changed refused, naming that file?"""
    bundle = _copy(certified, tmp_path)
    notebook = bundle / "notebooks" / T1_MODULE / "nb.ipynb"
    notebook.write_bytes(notebook.read_bytes().replace(b"cells", b"celLs"))
    assert main(["verify", "--bundle", str(bundle), "--trust", str(certified["root"] / "keys")]) == 1
    err = capsys.readouterr().err
    assert f"notebooks/{T1_MODULE}/nb.ipynb" in err and "bundle file changed" in err


@pytest.mark.parametrize("change", ["added", "removed", "manifest edited"])
def test_added_removed_or_relabelled_content_is_refused(certified, tmp_path, change):
    """Is a file slipped in, a file taken out, or a manifest edited (decision changed) refused?"""
    bundle = _copy(certified, tmp_path, "waiting")
    if change == "added":
        (bundle / "notebooks").mkdir(exist_ok=True)
        (bundle / "notebooks" / "better.ipynb").write_text("{}", encoding="utf-8")
        expected = "not in the manifest"
    elif change == "removed":
        (bundle / "items.csv").unlink()
        expected = "missing"
    else:
        manifest = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
        manifest["decision"] = "achieved"
        (bundle / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        expected = "signature mismatch"
    with pytest.raises(VerificationError, match=expected):
        verify_bundle(bundle, certified["trust"])


def test_a_bundle_rebuilt_and_resigned_by_someone_else_is_refused(certified, tmp_path):
    """If a forger changes a file, rewrites every hash and signs the manifest with their own key, is it refused?"""
    bundle = _copy(certified, tmp_path)
    (bundle / "items.csv").write_text("module,grade_id,score\n", encoding="utf-8")
    manifest = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256((bundle / entry["path"]).read_bytes()).hexdigest()
    forger = badges.load_or_create_issuer_key(tmp_path / "forger")
    manifest = {k: v for k, v in manifest.items() if k != "proof"} | {"issuer": forger.did}
    manifest["evidenceDigest"] = evidence_digest(
        {e["path"]: e["sha256"] for e in manifest["files"] if e["role"] == "evidence"}
    )
    (bundle / MANIFEST).write_text(
        badges.dump_credential(badges.sign_credential(manifest, forger)), encoding="utf-8"
    )
    with pytest.raises(VerificationError, match="not pinned"):
        verify_bundle(bundle, certified["trust"])


def test_a_credential_from_another_bundle_does_not_match(certified):
    """Is the expert's credential refused against the waiting learner's bundle (it rests on other evidence)?"""
    other = _bundle(certified) / "credentials" / "T1.json"
    with pytest.raises(VerificationError, match="does not rest on this bundle"):
        verify_bundle(_bundle(certified, "waiting"), certified["trust"], credential=other)
    report = verify_bundle(_bundle(certified), certified["trust"], credential=other)
    assert report.learner == "expert" and str(other) in report.credentials


def test_zip_bundle_verifies_and_a_changed_member_is_named(certified, tmp_path):
    """Does a bundle written as a zip verify, and is a zip with one changed member refused naming it?"""
    zipped = shutil.make_archive(str(tmp_path / "expert"), "zip", _bundle(certified))
    report = verify_bundle(Path(zipped), certified["trust"], status_source=certified["result"].status_list)
    assert report.n_files > 10
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(zipped) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data + b"\n" if info.filename == "decision.json" else data)
    with pytest.raises(VerificationError, match=r"decision\.json"):
        verify_bundle(changed, certified["trust"], status_source=certified["result"].status_list)


def test_certify_can_write_zips(tmp_path):
    """Does `certify(bundle_zip=True)` leave one zip per learner and no folder behind?"""
    framework = certify.default_framework()
    evidence = make_evidence(framework, duties=("T1",))
    records = certify.records_from_frame(make_grades(evidence, {"a": {"*": 1.0}}))
    result = certify.certify(
        records,
        tmp_path / "out",
        evidence=evidence,
        framework=framework,
        keys_dir=tmp_path / "k",
        bundle_zip=True,
    )
    assert [p.name for p in result.bundle_paths] == ["a.zip"]
    assert not (tmp_path / "out" / "bundles" / "a").exists()
    assert verify_bundle(result.bundle_paths[0], load_trust_file(tmp_path / "k")).learner == "a"


def test_a_revoked_credential_inside_a_bundle_fails_the_bundle(certified, tmp_path):
    """After a credential of the bundle is revoked, does the bundle check fail on it?"""
    bundle = _copy(certified, tmp_path, "waiting")
    keys = tmp_path / "keys"
    shutil.copytree(certified["root"] / "keys", keys)
    credential = json.loads((bundle / "credentials" / "T1.json").read_text(encoding="utf-8"))
    code = main(
        [
            "revoke",
            credential["id"],
            "--reason",
            "測試撤銷",
            "--keys",
            str(keys),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0
    with pytest.raises(VerificationError, match="revoked"):
        verify_bundle(bundle, load_trust_file(keys))
