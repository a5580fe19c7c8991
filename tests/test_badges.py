"""Tests of the Open Badges 3.0 credentials: structure, Ed25519 signing, verification and tampering."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import stat

import pytest
import rfc8785

from netmarketing.certify import badges
from netmarketing.certify.badges import VerificationError, verify_credential
from netmarketing.cli import main


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> badges.IssuerKey:
    return badges.load_or_create_issuer_key(tmp_path_factory.mktemp("keys"))


def sample_credential(key: badges.IssuerKey, learner: str = "learner-007", **options) -> dict:
    """Return a signed T1 credential of ``learner`` by ``key``; ``options`` go to ``build_credential``."""
    credential = badges.build_credential(
        learner=learner,
        achievement_code="T1",
        achievement_name="T1 市場分析（級別 4）",
        description="T1 之所有行為指標均達門檻。",
        criteria="每一項行為指標 ≥ 60%",
        alignments=[
            {"code": "P1.1.1", "name": "確認蒐集市場資訊的目的"},
            {"code": "P1.1.2", "name": "蒐集市場資訊"},
        ],
        evidence=[{"name": "P1.1.1 評分證據", "narrative": "P1.1.1：85%"}],
        issuer_did=key.did,
        issuer_name=options.pop("issuer_name", "測試發證者"),
        **options,
    )
    return badges.sign_credential(credential, key)


@pytest.fixture
def signed(key) -> dict:
    return sample_credential(key)


def test_credential_has_the_open_badges_shape(signed):
    """Is the credential an OB 3.0 OpenBadgeCredential with a Competency achievement, alignments, result and evidence?"""
    assert signed["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["issuer"]["id"].startswith("did:key:z6Mk")  # Ed25519 did:key prefix
    subject = signed["credentialSubject"]
    assert "AchievementSubject" in subject["type"]
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Competency"
    assert achievement["criteria"]["narrative"]
    assert [a["targetCode"] for a in achievement["alignment"]] == ["P1.1.1", "P1.1.2"]
    assert {a["targetType"] for a in achievement["alignment"]} == {"CFItem"}
    assert {a["targetFramework"] for a in achievement["alignment"]} == {"KMC2431-008v1 網路行銷企劃主管"}
    level_ids = {lv["id"] for lv in achievement["resultDescription"][0]["rubricCriterionLevel"]}
    assert subject["result"][0]["achievedLevel"] in level_ids
    assert subject["result"][0]["value"] == "4"
    assert signed["evidence"][0]["narrative"] == "P1.1.1：85%"
    assert signed["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"  # a list: the OB 3.0 schema wants an array
    assert signed["proof"][0]["proofValue"].startswith("z")


def test_learner_id_is_a_salted_hash(signed):
    """Is the learner stored only as a salted SHA-256 that a verifier can check with the id and salt?"""
    identity = signed["credentialSubject"]["identifier"][0]
    assert "learner-007" not in json.dumps(signed)
    digest = hashlib.sha256(("learner-007" + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${digest}"


def test_signed_credential_round_trips_through_verify(signed, key, tmp_path):
    """Does a freshly signed credential verify, also after a JSON round trip through a file and the CLI?"""
    assert verify_credential(signed) == key.did
    path = tmp_path / "cred.json"
    path.write_text(json.dumps(signed, ensure_ascii=False, indent=2), encoding="utf-8")
    assert main(["verify", str(path), "--trust", str(key.keys_dir)]) == 0
    assert main(["verify", str(path), "--issuer", key.did]) == 0


def test_proof_follows_eddsa_jcs_2022(signed, key):
    """Is the signature Ed25519 over SHA-256(JCS(proof config)) || SHA-256(JCS(document)), as the cryptosuite says?"""
    proof = dict(signed["proof"][0])
    signature = badges.b58decode(proof.pop("proofValue")[1:])
    document = {k: v for k, v in signed.items() if k != "proof"}
    data = hashlib.sha256(rfc8785.dumps(proof)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()
    assert data == badges.signing_input(document, proof)
    public = badges.public_key_from_did(proof["verificationMethod"])
    public.verify(signature, data)  # raises InvalidSignature when the construction differs
    assert proof["@context"] == signed["@context"]


# Test vector of the W3C "Data Integrity EdDSA Cryptosuites v1.0" specification
# (github.com/w3c/vc-di-eddsa, TestVectors/eddsa-jcs-2022/signedJCS.json and keyPair.json).
W3C_PRIVATE_KEY_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_PUBLIC_KEY_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
W3C_DOCUMENT = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_PROOF_CONFIG = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": f"https://vc.example/issuers/5678#{W3C_PUBLIC_KEY_MULTIBASE}",
    "proofPurpose": "assertionMethod",
    "@context": W3C_CONTEXT,
}
W3C_PROOF_VALUE = "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"


def test_signing_reproduces_the_w3c_eddsa_jcs_2022_test_vector():
    """Do our JCS hashing, Ed25519 signature, base58btc and did:key give exactly the W3C test vector?"""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    secret = badges.b58decode(W3C_PRIVATE_KEY_MULTIBASE[1:])
    assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
    key = Ed25519PrivateKey.from_private_bytes(secret[2:])
    assert badges.did_key(key.public_key()) == f"did:key:{W3C_PUBLIC_KEY_MULTIBASE}"
    signature = key.sign(badges.signing_input(W3C_DOCUMENT, W3C_PROOF_CONFIG))
    assert "z" + badges.b58encode(signature) == W3C_PROOF_VALUE


def _set(path: str, value):
    def edit(cred):
        *parents, last = path.split(".")
        node = cred
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return edit


_DELETE = object()

CHANGED = "signature mismatch"
TAMPERING = {
    "level changed": (_set("credentialSubject.result.0.value", "5"), CHANGED),
    "name changed": (_set("credentialSubject.achievement.name", "T3 成效分析"), CHANGED),
    "alignment added": (
        lambda c: c["credentialSubject"]["achievement"]["alignment"].append(
            {**c["credentialSubject"]["achievement"]["alignment"][0], "targetCode": "P3.2.2"}
        ),
        CHANGED,
    ),
    "field added at top": (_set("validUntil", "2099-01-01T00:00:00Z"), CHANGED),
    "field added deep": (_set("credentialSubject.achievement.criteria.extra", "x"), CHANGED),
    "evidence removed": (_set("evidence", _DELETE), CHANGED),
    "date moved": (_set("validFrom", "2020-01-01T00:00:00Z"), CHANGED),
    "proof removed": (_set("proof", _DELETE), "no proof"),
    "proof value changed": (
        lambda c: c["proof"][0].update(proofValue="z" + badges.b58encode(bytes(64))),
        CHANGED,
    ),
    "proof date changed": (_set("proof.0.created", "2020-01-01T00:00:00Z"), CHANGED),
    "context changed": (_set("@context", ["https://www.w3.org/ns/credentials/v2"]), "@context"),
    "issuer name changed": (_set("issuer.name", "冒名發證者"), CHANGED),
}


@pytest.mark.parametrize(("edit", "reason"), list(TAMPERING.values()), ids=list(TAMPERING))
def test_any_edit_is_rejected(signed, key, edit, reason, tmp_path, capsys):
    """Is a credential rejected after any change to its content or proof, with the reason, by the API and the CLI?"""
    tampered = copy.deepcopy(signed)
    edit(tampered)
    assert tampered != signed
    with pytest.raises(VerificationError, match=reason):
        verify_credential(tampered)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    # The issuer is trusted here, so the refusal can only come from the edit.
    assert main(["verify", str(path), "--trust", str(key.keys_dir)]) != 0
    err = capsys.readouterr().err
    assert "無效" in err and reason in err


def test_layout_only_change_passes_unless_strict(signed, key, tmp_path):
    """Does re-indenting the JSON keep the content valid, while --strict rejects any byte changed?"""
    path = tmp_path / "cred.json"
    path.write_text(badges.dump_credential(signed), encoding="utf-8")
    trust = ["--trust", str(key.keys_dir)]
    assert main(["verify", "--strict", str(path), *trust]) == 0
    path.write_text(json.dumps(signed, ensure_ascii=False, indent=4), encoding="utf-8")
    assert main(["verify", str(path), *trust]) == 0
    assert main(["verify", "--strict", str(path), *trust]) != 0


def test_resigned_by_another_key_is_rejected(signed, tmp_path):
    """Is a credential re-signed with a stranger's key refused, both as issuer mismatch and as untrusted issuer?"""
    stranger = badges.load_or_create_issuer_key(tmp_path / "stranger")
    original_issuer = signed["issuer"]["id"]
    forged = badges.sign_credential(signed, stranger)  # keeps the original issuer id
    with pytest.raises(VerificationError, match="issuer"):
        verify_credential(forged)
    # A forger who also swaps the issuer id passes the maths but not the trust list.
    forged["issuer"]["id"] = stranger.did
    forged = badges.sign_credential(forged, stranger)
    assert verify_credential(forged) == stranger.did
    with pytest.raises(VerificationError, match="trusted"):
        verify_credential(forged, trusted_issuers={original_issuer})


def test_duplicate_keys_and_broken_json_are_rejected(signed, tmp_path):
    """Does a file with a duplicated key (a hidden second value) or broken JSON fail with a reason?"""
    text = json.dumps(signed, ensure_ascii=False)
    duplicated = text.replace('"validFrom":', '"validFrom": "2020-01-01T00:00:00Z", "validFrom":', 1)
    path = tmp_path / "dup.json"
    path.write_text(duplicated, encoding="utf-8")
    with pytest.raises(VerificationError, match="duplicate"):
        badges.verify_file(path)
    path.write_text(text[:-10], encoding="utf-8")
    with pytest.raises(VerificationError, match="JSON"):
        badges.verify_file(path)


def test_issuer_key_is_private_and_reused(tmp_path):
    """Is the issuer key created once with mode 0600 and the same DID returned on the next use?"""
    first = badges.load_or_create_issuer_key(tmp_path / "keys")
    path = tmp_path / "keys" / badges.KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = badges.load_or_create_issuer_key(tmp_path / "keys")
    assert first.did == second.did
    assert badges.load_or_create_issuer_key(tmp_path / "other").did != first.did


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x00\x01\x02", bytes(range(256)), b"\xff" * 33])
def test_base58_round_trip(data):
    """Does base58 decode what it encodes, leading zero bytes included?"""
    assert badges.b58decode(badges.b58encode(data)) == data


def test_did_key_round_trip(key):
    """Does the did:key decode to the issuer's public key?"""
    from cryptography.hazmat.primitives import serialization

    public = badges.public_key_from_did(key.did)
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert public.public_bytes(*raw) == key.private_key.public_key().public_bytes(*raw)
    with pytest.raises(VerificationError):
        badges.public_key_from_did("did:web:example.org")


def test_schema_check_passes_ours_and_reports_breaks(signed):
    """Does our credential conform to the vendored OB 3.0 schema, and is one that breaks it reported where?"""
    assert badges.schema_errors(signed) == []
    broken = {**signed, "validFrom": "昨天", "proof": signed["proof"][0]}
    problems = " ".join(badges.schema_errors(broken))
    assert "validFrom" in problems and "proof" in problems
