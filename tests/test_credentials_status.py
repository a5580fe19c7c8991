"""Tests of revocation: the W3C Bitstring Status List, `netmarketing revoke`, and `verify` reading the list."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from test_badges import sample_credential  # a sibling test module

from netmarketing.certify import badges, status
from netmarketing.certify.badges import VerificationError
from netmarketing.certify.trust import load_trust_file
from netmarketing.certify.verify import check_credential
from netmarketing.cli import main

# The example list of W3C "Bitstring Status List v1.0" (section 2.2): 16 KB of zeros.
W3C_EXAMPLE_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
URL = "https://example.org/netmarketing/status/revocation-list.json"


def test_decoding_reads_the_w3c_example_list():
    """Does our decoder read the specification's example as 131,072 bits, none set?"""
    bits = status.decode_bits(W3C_EXAMPLE_LIST)
    assert len(bits) * 8 == status.LIST_BITS
    assert not any(bits)


@pytest.mark.parametrize("index", [0, 7, 8, 94567, status.LIST_BITS - 1])
def test_bit_order_is_left_most_first(index):
    """Is index 0 the left-most bit of the first byte, and does only the revoked index read as set?"""
    bits = status.decode_bits(status.encode_bits([index]))
    assert len(bits) == status.LIST_BITS // 8
    assert [i for i in (0, 7, 8, 94567, status.LIST_BITS - 1) if status.bit_is_set(bits, i)] == [index]
    assert bits[index // 8] == 0x80 >> (index % 8)


def test_encoding_is_multibase_base64url_gzip():
    """Is the list 'u' + unpadded base64url of a GZIP stream, the same for the same revocations?"""
    encoded = status.encode_bits([3, 5])
    assert encoded.startswith("uH4sI")  # 'u' multibase + base64url of the GZIP magic bytes 1f 8b 08
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert encoded == status.encode_bits([5, 3])


@pytest.fixture
def issued(tmp_path):
    """A course key, one credential with a status entry in the register, and the published list."""
    key = badges.load_or_create_issuer_key(tmp_path / "keys")
    register = status.Register.load(tmp_path / "keys")
    index = register.allocate("urn:uuid:cred-1", "s001", "T1", "2025-03-01T00:00:00Z", URL)
    register.save()
    signed = sample_credential(
        key, "s001", credential_id="urn:uuid:cred-1", credential_status=status.status_entry(URL, index)
    )
    out = tmp_path / "out"
    (out / "credentials" / "s001").mkdir(parents=True)
    path = out / "credentials" / "s001" / "T1.json"
    path.write_text(badges.dump_credential(signed), encoding="utf-8")
    status.write_status_list(register, key, URL, out)
    return {"key": key, "credential": signed, "path": path, "out": out, "index": index, "tmp": tmp_path}


def _verify(issued, *extra) -> int:
    return main(["verify", str(issued["path"]), "--trust", str(issued["tmp"] / "keys"), *extra])


def test_revoked_credential_is_refused(issued, capsys):
    """After `netmarketing revoke`, does `verify` refuse the credential with a message saying it was revoked?"""
    assert _verify(issued) == 0
    keys, out = str(issued["tmp"] / "keys"), str(issued["out"])
    code = main(
        ["revoke", "urn:uuid:cred-1", "--reason", "成績更正：抄襲查證屬實", "--keys", keys, "--out", out]
    )
    assert code == 0
    assert _verify(issued) == 1
    err = capsys.readouterr().err
    assert "已被撤銷" in err and "revoked" in err
    row = status.Register.load(issued["tmp"] / "keys").find("urn:uuid:cred-1")
    assert row["reason"] == "成績更正：抄襲查證屬實" and row["revoked_at"]


def test_revoke_by_file_and_twice_keeps_the_first_reason(issued, capsys):
    """Can a credential be revoked by its file, and does a second revoke keep the first reason and time?"""
    keys, out = str(issued["tmp"] / "keys"), str(issued["out"])
    assert main(["revoke", str(issued["path"]), "--reason", "第一次", "--keys", keys, "--out", out]) == 0
    first = status.Register.load(issued["tmp"] / "keys").find("urn:uuid:cred-1")
    assert main(["revoke", "urn:uuid:cred-1", "--reason", "第二次", "--keys", keys, "--out", out]) == 0
    assert "已於" in capsys.readouterr().out
    assert status.Register.load(issued["tmp"] / "keys").find("urn:uuid:cred-1") == first


def test_revoking_an_unknown_id_or_without_reason_is_a_clear_error(issued, capsys):
    """Does revoking an id not in the register, or with an empty reason, fail with a zh-TW message and change nothing?"""
    keys, out = str(issued["tmp"] / "keys"), str(issued["out"])
    assert main(["revoke", "urn:uuid:nope", "--reason", "x", "--keys", keys, "--out", out]) == 2
    assert "沒有證書" in capsys.readouterr().err
    assert main(["revoke", "urn:uuid:cred-1", "--reason", "  ", "--keys", keys, "--out", out]) == 2
    assert not status.Register.load(issued["tmp"] / "keys").revoked_indexes()
    assert main(["revoke", "urn:uuid:cred-1", "--reason", "x", "--keys", str(issued["tmp"] / "nokeys")]) == 2
    assert not (issued["tmp"] / "nokeys").exists()  # revoke never creates a key


def test_a_list_with_a_bit_set_but_not_re_signed_is_refused(issued):
    """Does a status list edited after signing fail, so nobody but the course can revoke or un-revoke?"""
    path = issued["out"] / "status" / status.LIST_FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    document["credentialSubject"]["encodedList"] = status.encode_bits([issued["index"]])
    path.write_text(json.dumps(document), encoding="utf-8")
    trusted = load_trust_file(issued["tmp"] / "keys")
    with pytest.raises(VerificationError, match="signature mismatch"):
        check_credential(issued["credential"], trusted, near=issued["path"].parent)


def test_a_list_from_another_key_or_for_another_url_is_refused(issued, tmp_path):
    """Is a list signed by an unpinned key, or one that is not the list the credential names, refused?"""
    trusted = load_trust_file(issued["tmp"] / "keys")
    other = badges.load_or_create_issuer_key(tmp_path / "other")
    foreign = status.write_status_list(status.Register.load(tmp_path / "other"), other, URL, tmp_path / "x")
    with pytest.raises(VerificationError, match="not pinned"):
        check_credential(issued["credential"], trusted, status_source=foreign)
    register = status.Register.load(issued["tmp"] / "keys")
    wrong = status.write_status_list(register, issued["key"], URL + "?v=2", tmp_path / "y")
    with pytest.raises(VerificationError, match="not the status list the credential names"):
        check_credential(issued["credential"], trusted, status_source=wrong)


def test_missing_list_is_refused_and_a_folder_or_file_can_be_given(issued, tmp_path):
    """Without a list near the credential, is it refused with advice, and does --status FILE or DIR work?"""
    moved = tmp_path / "elsewhere.json"
    (issued["out"] / "status" / status.LIST_FILE).rename(moved)
    trusted = load_trust_file(issued["tmp"] / "keys")
    with pytest.raises(VerificationError, match="--status"):
        check_credential(issued["credential"], trusted, near=issued["path"].parent)
    assert check_credential(issued["credential"], trusted, status_source=moved).status.checked
    folder = tmp_path / "published"
    folder.mkdir()
    moved.rename(folder / status.LIST_FILE)
    assert _verify(issued, "--status", str(folder)) == 0


def test_a_short_list_is_refused(issued):
    """Is a list shorter than the specification's 131,072 entries refused (a too-small list hides nothing)?"""
    register = status.Register.load(issued["tmp"] / "keys")
    document = status.status_list_credential(register, issued["key"], URL)
    document = {k: v for k, v in document.items() if k != "proof"}
    document["credentialSubject"]["encodedList"] = status.encode_bits([], size=8 * 1024)
    signed = badges.sign_credential(document, issued["key"])
    path = issued["out"] / "status" / status.LIST_FILE
    path.write_text(badges.dump_credential(signed), encoding="utf-8")
    with pytest.raises(VerificationError, match="131072"):
        check_credential(issued["credential"], load_trust_file(issued["tmp"] / "keys"), status_source=path)


def test_status_entry_follows_the_specification():
    """Does a credentialStatus carry the fields Bitstring Status List asks for, index as a base-10 string?"""
    entry = status.status_entry(URL, 94567)
    assert entry == {
        "id": f"{URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": URL,
    }
    assert entry["id"] != entry["statusListCredential"]  # the spec: the id must not be the list's URL


def test_indexes_are_random_and_unique(tmp_path):
    """Are status indexes spread over the list (not 0, 1, 2...) and never reused?"""
    register = status.Register.load(tmp_path)
    indexes = [register.allocate(f"urn:uuid:{n}", "s", "T1", "t") for n in range(200)]
    assert len(set(indexes)) == 200
    assert max(indexes) > 10 * 200  # sequential allocation would stay below 200


def test_credential_without_status_has_nothing_to_check(issued):
    """Is a credential issued before revocation existed (no credentialStatus) valid, its status marked unchecked?"""
    credential = copy.deepcopy(issued["credential"])
    del credential["credentialStatus"]
    credential = badges.sign_credential(credential, issued["key"])
    result = check_credential(credential, load_trust_file(issued["tmp"] / "keys"))
    assert not result.status.checked


def test_list_url_comes_from_the_policy():
    """Is the list's URL the policy's status_list, else under the issuer url, else a urn naming the key?"""
    assert status.list_url(URL, "https://a.example", "did:key:z6Mkabc") == URL
    assert status.list_url(None, "https://a.example/", "did:key:z6Mkabc") == (
        f"https://a.example/status/{status.LIST_FILE}"
    )
    assert status.list_url(None, None, "did:key:z6Mkabc").startswith("urn:netmarketing:")


def test_published_list_is_a_valid_signed_status_list_credential(issued):
    """Is the published file a BitstringStatusListCredential signed by the course, with purpose revocation?"""
    document = json.loads((issued["out"] / "status" / status.LIST_FILE).read_text(encoding="utf-8"))
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert document["credentialSubject"]["type"] == "BitstringStatusList"
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    assert badges.verify_proof(document) == issued["key"].did
    assert Path(issued["tmp"] / "keys" / status.REGISTER_FILE).stat().st_mode & 0o077 == 0
