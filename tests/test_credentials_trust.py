"""Tests of trusted issuers: only pinned issuers are accepted, and the course's key is pinned when created."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_badges import sample_credential  # a sibling test module

from netmarketing.certify import badges, trust
from netmarketing.certify.policy import PolicyError, load_policy, parse_policy
from netmarketing.certify.verify import check_credential
from netmarketing.cli import main

REPO = Path(__file__).resolve().parents[1]


def _credential(key: badges.IssuerKey, learner: str = "s001") -> dict:
    return sample_credential(key, learner, issuer_name="網路行銷企劃主管職能課程 (netmarketing course kit)")


@pytest.fixture
def course_and_forger(tmp_path):
    course = badges.load_or_create_issuer_key(tmp_path / "course_keys")
    forger = badges.load_or_create_issuer_key(tmp_path / "forger_keys")
    return course, forger


def test_forged_credential_with_valid_signature_is_refused(course_and_forger, tmp_path, capsys):
    """Is a course credential re-issued under a fresh key (valid signature, unpinned issuer) refused by `verify`?"""
    course, forger = course_and_forger
    genuine = _credential(course)
    # The forger's recipe from issue 16: own key, own DID as issuer, sign with the package's function.
    forged = {k: v for k, v in genuine.items() if k != "proof"}
    forged["issuer"] = {**forged["issuer"], "id": forger.did}
    forged = badges.sign_credential(forged, forger)
    assert badges.verify_credential(forged) == forger.did  # the maths alone would accept it
    path = tmp_path / "forged.json"
    path.write_text(badges.dump_credential(forged), encoding="utf-8")
    assert main(["verify", str(path), "--trust", str(tmp_path / "course_keys")]) == 1
    err = capsys.readouterr().err
    assert "未列入信任名單" in err and "not pinned as trusted" in err and forger.did in err
    # The genuine one passes the same trust list.
    path.write_text(badges.dump_credential(genuine), encoding="utf-8")
    assert main(["verify", str(path), "--trust", str(tmp_path / "course_keys")]) == 0


def test_default_trust_refuses_a_key_pinned_nowhere(course_and_forger, tmp_path, monkeypatch, capsys):
    """Without options, does `verify` refuse an issuer that neither the policy nor this machine's keys folder pins?"""
    course, _ = course_and_forger
    monkeypatch.setenv("NETMARKETING_KEYS_DIR", str(tmp_path / "empty_keys"))
    path = tmp_path / "cred.json"
    path.write_text(badges.dump_credential(_credential(course)), encoding="utf-8")
    assert main(["verify", str(path)]) == 1
    assert "certification.yaml" in capsys.readouterr().err  # the message names where it looked
    # The machine's own keys folder is trusted by default: that is where the course key lives.
    monkeypatch.setenv("NETMARKETING_KEYS_DIR", str(tmp_path / "course_keys"))
    assert main(["verify", str(path)]) == 0


def test_a_pin_file_travelling_with_the_credential_is_not_trusted(course_and_forger, tmp_path, monkeypatch):
    """Does a trusted_issuers.yaml placed next to a forged credential give it no trust by default?"""
    _, forger = course_and_forger
    monkeypatch.setenv("NETMARKETING_KEYS_DIR", str(tmp_path / "course_keys"))
    folder = tmp_path / "delivery"
    folder.mkdir()
    (folder / "cred.json").write_text(badges.dump_credential(_credential(forger)), encoding="utf-8")
    shutil.copy(tmp_path / "forger_keys" / trust.PIN_FILE, folder / trust.PIN_FILE)
    assert main(["verify", str(folder / "cred.json")]) == 1


def test_key_creation_pins_it_once(tmp_path):
    """Does creating a key write its DID to trusted_issuers.yaml beside it, once, and loading it again not?"""
    key = badges.load_or_create_issuer_key(tmp_path / "keys", issuer_name="測試課程")
    assert key.pinned_in == (str(tmp_path / "keys" / trust.PIN_FILE),)
    pins = trust.load_trust_file(tmp_path / "keys")
    assert [p.did for p in pins.issuers] == [key.did]
    assert pins.issuers[0].name == "測試課程"
    again = badges.load_or_create_issuer_key(tmp_path / "keys")
    assert again.did == key.did and again.pinned_in == ()
    assert len(trust.load_trust_file(tmp_path / "keys").issuers) == 1


def test_course_key_is_pinned_in_the_policy_file(tmp_path, monkeypatch):
    """When the repository's own key is created, is its DID added to autograder/certification.yaml, comments kept?"""
    repo = tmp_path / "repo"
    (repo / "course").mkdir(parents=True)
    (repo / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "certification.yaml", repo / "autograder" / "certification.yaml")
    before = (repo / "autograder" / "certification.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("NETMARKETING_KEYS_DIR", raising=False)
    key = badges.load_or_create_issuer_key(issuer_name="網路行銷企劃主管職能課程")
    policy_file = repo / "autograder" / "certification.yaml"
    assert str(policy_file) in key.pinned_in
    after = policy_file.read_text(encoding="utf-8")
    assert after.startswith(before.rsplit("trusted_issuers:", 1)[0])  # everything above, comments too, kept
    policy = load_policy(policy_file)
    assert [p.did for p in policy.trusted_issuers] == [key.did]
    assert trust.default_trust().find(key.did) is not None
    # A second key elsewhere does not touch the course's policy.
    badges.load_or_create_issuer_key(tmp_path / "other")
    assert policy_file.read_text(encoding="utf-8") == after


@pytest.mark.parametrize(
    "text",
    [
        "trusted_issuers: []\n",
        "version: 1\n",
        "# 只有註解\ntrusted_issuers:\n  - id: did:key:z6MkexistingKEY\n",
    ],
)
def test_pin_issuer_edits_only_the_list(tmp_path, text):
    """Does pinning add exactly one entry to an empty, absent or block list and keep what was there?"""
    path = tmp_path / "trust.yaml"
    path.write_text(text, encoding="utf-8")
    assert trust.pin_issuer(path, "did:key:z6MknewKEY", "新課程")
    pins = [p.did for p in trust.load_trust_file(path).issuers]
    assert pins[-1] == "did:key:z6MknewKEY"
    assert len(pins) == text.count("did:key:") + 1
    assert not trust.pin_issuer(path, "did:key:z6MknewKEY", "新課程")  # already pinned: unchanged


def test_pin_by_public_key_multibase(course_and_forger, tmp_path):
    """Is an issuer pinned by its key (publicKeyMultibase) accepted like one pinned by its DID?"""
    course, _ = course_and_forger
    path = tmp_path / "trust.yaml"
    path.write_text(
        f"trusted_issuers:\n  - publicKeyMultibase: {course.did.removeprefix('did:key:')}\n", encoding="utf-8"
    )
    assert check_credential(_credential(course), trust.load_trust_file(path)).issuer == course.did


@pytest.mark.parametrize(
    ("entry", "culprit"),
    [
        ("  - id: https://example.org/issuer\n", "did:key"),
        ("  - name: 沒有 id\n", "publicKeyMultibase"),
        ("  - id: did:key:z6Mkabc\n    colour: blue\n", "colour"),
        ("  - publicKeyMultibase: 6Mk-not-base58\n", "base58"),
    ],
)
def test_malformed_pin_in_policy_names_the_line(entry, culprit):
    """Does a malformed trusted_issuers entry in the policy give an error naming the line and the problem?"""
    good = "version: 1\nthresholds:\n  indicator: 60\n"
    with pytest.raises(PolicyError) as err:
        parse_policy(good + "trusted_issuers:\n" + entry, "certification.yaml")
    assert "第 4 行" in str(err.value) and culprit in str(err.value)


def test_shipped_policy_pins_nobody_and_has_a_revision():
    """Does the committed policy ship an empty trust list (keys are per course) and a policy revision?"""
    policy = load_policy(REPO / "autograder" / "certification.yaml")
    assert policy.trusted_issuers == ()
    assert policy.revision
    assert len(policy.sha256) == 64


def test_issuer_option_and_trust_file_replace_the_defaults(course_and_forger, tmp_path, monkeypatch):
    """Do --issuer and --trust name exactly the trusted issuers, leaving out this machine's own key?"""
    course, forger = course_and_forger
    monkeypatch.setenv("NETMARKETING_KEYS_DIR", str(tmp_path / "course_keys"))
    path = tmp_path / "cred.json"
    path.write_text(json.dumps(_credential(course), ensure_ascii=False), encoding="utf-8")
    assert main(["verify", str(path)]) == 0
    assert main(["verify", str(path), "--issuer", forger.did]) == 1
    assert main(["verify", str(path), "--trust", str(tmp_path / "forger_keys")]) == 1
    assert main(["verify", str(path), "--issuer", course.did]) == 0


def test_a_signed_trusted_credential_that_breaks_the_schema_is_refused(course_and_forger, tmp_path, capsys):
    """Is a credential signed by the pinned course key but not conforming to the OB 3.0 schema refused, saying so?"""
    course, _ = course_and_forger
    credential = {k: v for k, v in _credential(course).items() if k != "proof"}
    credential["validFrom"] = "昨天"
    path = tmp_path / "odd.json"
    path.write_text(badges.dump_credential(badges.sign_credential(credential, course)), encoding="utf-8")
    assert main(["verify", str(path), "--trust", str(tmp_path / "course_keys")]) == 1
    assert "Open Badges 3.0 JSON Schema" in capsys.readouterr().err
