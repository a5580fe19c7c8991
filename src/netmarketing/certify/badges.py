"""Open Badges 3.0 credentials, signed with Ed25519 (Data Integrity, cryptosuite eddsa-jcs-2022).

Stackable: one credential per duty (T1, T2, T3) whose indicators all meet the
policy, and the full KMC2431-008v1 level-4 credential when the learner's
decision is ``achieved``. Each is a W3C Verifiable Credential 2.0 /
``OpenBadgeCredential`` whose achievement is of type ``Competency``, aligned to
the indicators it covers (CASE ``CFItem``), with the achieved level as result
and the graded evidence.

Signing follows the W3C "Data Integrity EdDSA Cryptosuites v1.0" eddsa-jcs-2022
algorithm: hash = SHA-256(JCS(proof options incl. @context)) ||
SHA-256(JCS(credential without proof)); signature = Ed25519(hash);
``proofValue`` = multibase base58btc. The verification method is the issuer's
``did:key``. ``proof`` is a list of one proof: the 1EdTech OB 3.0 JSON Schema
requires an array. Any change to the content (a value, an added or removed field,
the proof) makes :func:`verify_credential` fail; white space and key order do not
change the content (JCS canonicalises them).

A valid signature says which key signed, not that the key is this course's:
:mod:`.trust` decides which issuers a verifier accepts, :mod:`.status` whether a
credential was revoked, and :mod:`.verify` puts the checks together.

Issuer keys are created on first use under ``autograder/keys/`` (git-ignored,
file mode 0600) and are never committed; creating one pins it (:mod:`.trust`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from netmarketing.certify import trust
from netmarketing.certify.framework import FRAMEWORK_CODE, FRAMEWORK_NAME, LEVEL

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
CRYPTOSUITE = "eddsa-jcs-2022"
KEY_FILE = "issuer_ed25519.pem"
DEFAULT_KEYS_DIR = Path("autograder") / "keys"
SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json"
_ED25519_PUB_MULTICODEC = b"\xed\x01"
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
URN_BASE = "urn:netmarketing:KMC2431-008v1"


class VerificationError(Exception):
    """The credential is not valid; the message says why (zh-TW, then English)."""


# --- base58btc and did:key -------------------------------------------------------------------


def b58encode(data: bytes) -> str:
    """Encode bytes in base58 (Bitcoin alphabet).

    >>> b58encode(b"hello world")
    'StV1DL6CwTryKyV'
    """
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58_ALPHABET[rem])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet); raise ValueError on a foreign character.

    >>> b58decode('StV1DL6CwTryKyV')
    b'hello world'
    """
    number = 0
    for char in text:
        index = _B58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"not a base58 character: {char!r}")
        number = number * 58 + index
    leading_ones = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_ones + body


def did_key(public_key: Ed25519PublicKey) -> str:
    """Return the ``did:key`` of an Ed25519 public key (multicodec 0xed01, base58btc)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "did:key:z" + b58encode(_ED25519_PUB_MULTICODEC + raw)


def public_key_from_did(did: str) -> Ed25519PublicKey:
    """Return the Ed25519 public key of a ``did:key`` (a verification method URL works too)."""
    ident = did.split("#", 1)[0]
    if not ident.startswith("did:key:z"):
        raise VerificationError(f"驗證方法不是 did:key：{did} (verification method is not a did:key)")
    try:
        decoded = b58decode(ident[len("did:key:z") :])
    except ValueError as exc:
        raise VerificationError(f"did:key 編碼錯誤 (malformed did:key): {exc}") from None
    if not decoded.startswith(_ED25519_PUB_MULTICODEC) or len(decoded) != 34:
        raise VerificationError("did:key 不是 Ed25519 公鑰 (did:key is not an Ed25519 key)")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


# --- issuer keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuerKey:
    """The issuer's signing key and its identifiers.

    ``keys_dir`` is the folder it lives in; ``pinned_in`` lists the trust files its
    creation wrote a pin to (empty when the key already existed).
    """

    private_key: Ed25519PrivateKey
    did: str
    keys_dir: Path | None = None
    pinned_in: tuple[str, ...] = ()

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"


def load_or_create_issuer_key(
    keys_dir: Path | str | None = None, *, issuer_name: str = "", create: bool = True
) -> IssuerKey:
    """Load the issuer key, creating (file mode 0600) and pinning it on first use.

    A new key is pinned in ``trusted_issuers.yaml`` beside it; when it is the course's
    own key (the repository's ``autograder/keys``), also in ``autograder/certification.yaml``,
    which the certifier commits so that every checkout of the course trusts it.

    Parameters
    ----------
    keys_dir : path, optional
        Folder of the key; ``$NETMARKETING_KEYS_DIR`` or the repository's ``autograder/keys``
        by default (git-ignored).
    issuer_name : str
        The name written next to the pin.
    create : bool
        When false, a missing key is an error (e.g. for ``revoke``: a new key could revoke nothing).
    """
    default = trust.default_keys_dir()
    keys_dir = Path(keys_dir) if keys_dir is not None else default
    path = keys_dir / KEY_FILE
    created = False
    if not path.exists() and not create:
        from netmarketing.cli import UserError

        raise UserError(f"找不到發證金鑰 {path} (issuer key not found: {path})")
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(keys_dir, 0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            # O_EXCL: two processes creating the key at once must not overwrite each other.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            created = True
        except FileExistsError:
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise VerificationError(f"{path} 不是 Ed25519 私鑰 ({path} is not an Ed25519 private key)")
    did = did_key(key.public_key())
    pinned: list[str] = []
    if created or not (keys_dir / trust.PIN_FILE).exists():
        if trust.pin_issuer(keys_dir / trust.PIN_FILE, did, issuer_name):
            pinned.append(str(keys_dir / trust.PIN_FILE))
        policy_file = keys_dir.resolve().parent / "certification.yaml"
        if created and keys_dir.resolve() == default.resolve() and policy_file.is_file():
            if trust.pin_issuer(policy_file, did, issuer_name):
                pinned.append(str(policy_file))
    return IssuerKey(private_key=key, did=did, keys_dir=keys_dir, pinned_in=tuple(pinned))


# --- signing and verifying -------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def signing_input(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    """Return SHA-256(JCS(proof config)) || SHA-256(JCS(document)): the bytes eddsa-jcs-2022 signs."""
    return (
        hashlib.sha256(rfc8785.dumps(proof_config)).digest()
        + hashlib.sha256(rfc8785.dumps(document)).digest()
    )


def sign_credential(
    credential: dict[str, Any], key: IssuerKey, *, created: str | None = None
) -> dict[str, Any]:
    """Return a copy of a document with an eddsa-jcs-2022 Data Integrity proof (a list of one).

    Works for any JSON document whose ``issuer`` (or ``issuer.id``) is the key's DID:
    credentials, the status list and evidence-bundle manifests.
    """
    # A deep copy: editing the signed result must never reach back into the caller's dict.
    document = copy.deepcopy({k: v for k, v in credential.items() if k != "proof"})
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created or _now(),
        "verificationMethod": key.verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    signature = key.private_key.sign(signing_input(document, proof))
    return {**document, "proof": [{**proof, "proofValue": "z" + b58encode(signature)}]}


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise VerificationError(f"JSON 有重複的鍵 {duplicates} (duplicate JSON keys {duplicates})")
    return dict(pairs)


def issuer_of(document: dict[str, Any]) -> str | None:
    """Return the issuer id of a document whose ``issuer`` is a string or a Profile."""
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def verify_proof(document: dict[str, Any]) -> str:
    """Check a document's eddsa-jcs-2022 proof by its issuer's ``did:key``; return the issuer DID.

    Raises :class:`VerificationError` when the proof is missing, malformed, made by another
    key than the issuer's, or does not match the content. Says nothing about whether the
    issuer is trusted: see :mod:`netmarketing.certify.trust`.
    """
    if not isinstance(document, dict):
        raise VerificationError("檔案不是 JSON 物件 (not a JSON object)")
    proof = document.get("proof")
    if proof is None:
        raise VerificationError("缺少數位簽章 proof (no proof: the document is not signed)")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise VerificationError("proof 必須剛好一個 (exactly one proof is expected)")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise VerificationError(
            f"不支援的簽章類型，需為 DataIntegrityProof / {CRYPTOSUITE} (unsupported proof type or cryptosuite)"
        )
    if proof.get("proofPurpose") != "assertionMethod":
        raise VerificationError("proofPurpose 應為 assertionMethod (proofPurpose must be assertionMethod)")
    if "@context" in proof and proof["@context"] != document.get("@context"):
        raise VerificationError(
            "proof 的 @context 與文件不符 (the proof's @context differs from the document's)"
        )
    issuer_id = issuer_of(document)
    method = str(proof.get("verificationMethod", ""))
    if not issuer_id or method.split("#", 1)[0] != issuer_id:
        raise VerificationError("簽章者與發證者 (issuer) 不一致 (the proof was not made by the issuer's key)")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise VerificationError("proofValue 應為 base58btc 多重編碼 (proofValue must be multibase base58btc)")
    try:
        signature = b58decode(value[1:])
    except ValueError:
        raise VerificationError("proofValue 編碼錯誤 (proofValue is not valid base58btc)") from None
    public_key = public_key_from_did(method)
    content = {k: v for k, v in document.items() if k != "proof"}
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        public_key.verify(signature, signing_input(content, proof_config))
    except InvalidSignature:
        raise VerificationError(
            "簽章不符：內容在簽發後被修改過 (signature mismatch: the content was changed after signing)"
        ) from None
    return str(issuer_id)


def untrusted_message(issuer_id: str, sources: tuple[str, ...] = ()) -> str:
    """Return the zh-TW / English refusal for a validly signed document from an unpinned issuer."""
    where = "、".join(sources) if sources else "信任名單"
    return (
        f"發證者 {issuer_id} 未列入信任名單（{where}）；簽章雖然正確，只證明由這把金鑰簽發，"
        "不代表是本課程核發，因此不接受 "
        f"(issuer {issuer_id} is not pinned as trusted in {', '.join(sources) or 'the trust list'}; "
        "a valid signature alone does not show the course issued it)"
    )


def verify_credential(
    credential: dict[str, Any], *, trusted_issuers: set[str] | trust.TrustList | None = None
) -> str:
    """Check a signed Open Badges credential; return the issuer DID or raise :class:`VerificationError`.

    Parameters
    ----------
    credential : dict
        The parsed JSON-LD credential.
    trusted_issuers : set of str or TrustList, optional
        When given, the issuer DID must be one of them (checked after the signature, so
        that a changed credential is reported as changed).
    """
    if not isinstance(credential, dict):
        raise VerificationError("檔案不是 JSON 物件 (not a JSON object)")
    if credential.get("@context") != CONTEXTS:
        raise VerificationError(
            "@context 與 Open Badges 3.0 不符 (@context is not the Open Badges 3.0 context)"
        )
    types = credential.get("type") or []
    if "VerifiableCredential" not in types or "OpenBadgeCredential" not in types:
        raise VerificationError("type 不是 OpenBadgeCredential (type is not OpenBadgeCredential)")
    issuer_id = verify_proof(credential)
    if isinstance(trusted_issuers, trust.TrustList):
        if trusted_issuers.find(issuer_id) is None:
            raise VerificationError(untrusted_message(issuer_id, trusted_issuers.sources))
    elif trusted_issuers is not None and issuer_id not in trusted_issuers:
        raise VerificationError(untrusted_message(issuer_id))
    return issuer_id


def schema_errors(credential: dict[str, Any]) -> list[str]:
    """Return where a credential breaks 1EdTech's Open Badges 3.0 JSON Schema (empty when it conforms).

    The schema is vendored in ``certify/schemas/`` (see its README for source and version);
    formats (``date-time``) are checked too.
    """
    from jsonschema import Draft201909Validator

    validator = _schema_validator(Draft201909Validator)
    errors = sorted(validator.iter_errors(credential), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors]


_VALIDATORS: dict[type, Any] = {}


def _schema_validator(cls: type) -> Any:
    if cls not in _VALIDATORS:
        schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
        _VALIDATORS[cls] = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return _VALIDATORS[cls]


def read_json(path: Path | str, what: str = "") -> tuple[Any, str]:
    """Read a UTF-8 JSON file that must not repeat a key; return (value, text) or raise VerificationError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VerificationError(f"無法讀取{what} {path} (cannot read {path}): {exc}") from None
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates), text
    except json.JSONDecodeError as exc:
        raise VerificationError(
            f"{path} 不是有效的 JSON，第 {exc.lineno} 行 (invalid JSON, line {exc.lineno}): {exc.msg}"
        ) from None


def dump_credential(credential: dict[str, Any]) -> str:
    """Return the credential as the text this kit writes to a file (UTF-8 JSON, 2-space indent)."""
    return json.dumps(credential, ensure_ascii=False, indent=2) + "\n"


def verify_file(
    path: Path | str, *, trusted_issuers: set[str] | trust.TrustList | None = None, strict: bool = False
) -> dict[str, Any]:
    """Read, parse and verify a credential file; return the credential or raise :class:`VerificationError`.

    The signature covers the content (JCS), so re-indenting the JSON keeps it valid;
    with ``strict`` the file must also be byte for byte as this kit wrote it. Trust,
    revocation and schema are checked by :func:`netmarketing.certify.verify.verify_credential_file`.
    """
    credential, text = read_json(path)
    verify_credential(credential, trusted_issuers=trusted_issuers)
    if strict and text != dump_credential(credential):
        raise VerificationError(
            "內容有效，但檔案的排版被改動過 (content is valid but the file's layout was changed)"
        )
    return credential


# --- building credentials --------------------------------------------------------------------


def hashed_identifier(learner: str, salt: str | None = None) -> dict[str, Any]:
    """Return an OB 3.0 IdentityObject with the salted SHA-256 of the learner id."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256((learner + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "identifier",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def _level_description(achievement_id: str) -> dict[str, Any]:
    names = {
        1: "級別 1：在可預計及有規律的情況中，在密切監督及清楚指示下執行常規性及重複性工作",
        2: "級別 2：在大部分可預計及有規律的情況中，在經常性監督下，按指導進行需要某些判斷及理解性的工作",
        3: "級別 3：在部分變動及非常規性的情況中，在一般監督下，獨立完成工作",
        4: "級別 4：在經常變動的情況中，在少許監督下，獨立執行涉及規劃設計且需要熟練技巧的工作",
    }
    return {
        "id": f"{achievement_id}#level",
        "type": ["ResultDescription"],
        "name": "職能級別 (competency level)",
        "resultType": "RubricCriterionLevel",
        "requiredLevel": f"{achievement_id}#level-{LEVEL}",
        "rubricCriterionLevel": [
            {
                "id": f"{achievement_id}#level-{n}",
                "type": ["RubricCriterionLevel"],
                "name": f"級別 {n} (level {n})",
                "description": text,
                "level": str(n),
            }
            for n, text in names.items()
        ],
    }


def build_credential(
    *,
    learner: str,
    achievement_code: str,
    achievement_name: str,
    description: str,
    criteria: str,
    alignments: list[dict[str, str]],
    evidence: list[dict[str, Any]],
    issuer_did: str,
    issuer_name: str,
    issuer_url: str | None = None,
    valid_from: str | None = None,
    salt: str | None = None,
    credential_id: str | None = None,
    credential_status: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return an unsigned OpenBadgeCredential (a dict ready for JSON-LD).

    Parameters
    ----------
    learner : str
        The learner id; stored as a salted hash (IdentityObject).
    achievement_code : str
        "T1", "T2", "T3" or "KMC2431-008v1" (the whole standard).
    alignments : list of dict
        code and name of each indicator covered.
    evidence : list of dict
        name and narrative of each piece of evidence, plus any machine-readable fields.
    credential_status : dict, optional
        A ``BitstringStatusListEntry`` (:func:`netmarketing.certify.status.status_entry`).
    """
    achievement_id = f"{URN_BASE}:{achievement_code}:level-{LEVEL}"
    issuer: dict[str, Any] = {"id": issuer_did, "type": ["Profile"], "name": issuer_name}
    if issuer_url:
        issuer["url"] = issuer_url
    credential: dict[str, Any] = {
        "@context": CONTEXTS,
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement_name,
        "issuer": issuer,
        "validFrom": valid_from or _now(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [hashed_identifier(learner, salt)],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": achievement_name,
                "description": description,
                "criteria": {"narrative": criteria},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetFramework": FRAMEWORK_NAME,
                        "targetCode": a["code"],
                        "targetName": a["name"],
                        "targetType": "CFItem",
                        "targetUrl": f"{URN_BASE}:{a['code']}",
                    }
                    for a in alignments
                ],
                "resultDescription": [_level_description(achievement_id)],
                "tag": [FRAMEWORK_CODE, f"level-{LEVEL}"],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": f"{achievement_id}#level",
                    "achievedLevel": f"{achievement_id}#level-{LEVEL}",
                    "value": str(LEVEL),
                }
            ],
        },
        "credentialSchema": [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
        # OB 3.0 puts evidence on the credential (OpenBadgeCredential.evidence), not on the subject.
        "evidence": [{"type": ["Evidence"], **e} for e in evidence],
    }
    if credential_status is not None:
        credential["credentialStatus"] = credential_status
    return credential
