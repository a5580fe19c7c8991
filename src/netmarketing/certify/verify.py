"""What ``netmarketing verify`` checks, in order; the first failure is the answer.

1. The file is JSON without repeated keys, and an ``OpenBadgeCredential``.
2. The eddsa-jcs-2022 signature matches the content and the issuer's ``did:key``
   (an edited credential fails here: :func:`netmarketing.certify.badges.verify_proof`).
3. The issuer is pinned in a trust list the verifier chose (:mod:`.trust`): a valid
   signature from anyone else is refused.
4. The credential conforms to 1EdTech's Open Badges 3.0 JSON Schema (vendored).
5. It is not revoked: the course's Bitstring Status List, read from a local file or
   folder, or from a URL only when the verifier gives one (:mod:`.status`).

``netmarketing verify --bundle PATH`` checks an evidence bundle (:mod:`.bundle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netmarketing.certify import badges
from netmarketing.certify.badges import VerificationError
from netmarketing.certify.status import StatusResult, check_status
from netmarketing.certify.trust import TrustedIssuer, TrustList

#: The machine-readable field that marks a credential's evidence-facts entry.
FACTS_KEY = "policySha256"


@dataclass
class CredentialCheck:
    """A credential that passed every check, with what the verifier may want to show."""

    credential: dict[str, Any]
    issuer: str
    pin: TrustedIssuer
    status: StatusResult
    facts: dict[str, Any] = field(default_factory=dict)


def evidence_facts(credential: dict[str, Any]) -> dict[str, Any]:
    """Return the credential's evidence-facts entry (simulated grades, policy, items), or {}."""
    for entry in credential.get("evidence") or []:
        if isinstance(entry, dict) and FACTS_KEY in entry:
            return entry
    return {}


def check_credential(
    credential: dict[str, Any],
    trusted: TrustList,
    *,
    status_source: str | Path | None = None,
    near: Path | None = None,
) -> CredentialCheck:
    """Run checks 2-5 on a parsed credential; raise :class:`VerificationError` at the first failure.

    Parameters
    ----------
    trusted : TrustList
        The pinned issuers (:func:`netmarketing.certify.trust.default_trust` or a trust file).
    status_source : str or path, optional
        The revocation list: a file, a folder, or an https URL (fetched only then).
    near : path, optional
        Where the credential lies: without ``status_source``, ``status/revocation-list.json``
        is looked for there and in the folders above (where ``certify`` publishes it).
    """
    issuer = badges.verify_credential(credential)
    pin = trusted.find(issuer)
    if pin is None:
        raise VerificationError(badges.untrusted_message(issuer, trusted.sources))
    errors = badges.schema_errors(credential)
    if errors:
        raise VerificationError(
            "不符合 Open Badges 3.0 JSON Schema (does not conform to the Open Badges 3.0 JSON Schema): "
            + "; ".join(errors[:3])
        )
    status = check_status(credential, trusted, source=status_source, near=near)
    return CredentialCheck(credential, issuer, pin, status, evidence_facts(credential))


def verify_credential_file(
    path: Path | str,
    trusted: TrustList,
    *,
    status_source: str | Path | None = None,
    strict: bool = False,
) -> CredentialCheck:
    """Read a credential file and run every check on it; raise :class:`VerificationError` on failure.

    Examples
    --------
    >>> from netmarketing.certify.trust import default_trust  # doctest: +SKIP
    >>> check = verify_credential_file("reports/credentials/s001/T1.json", default_trust())  # doctest: +SKIP
    >>> check.facts["anySimulatedGrade"]  # doctest: +SKIP
    False
    """
    credential, text = badges.read_json(path)
    result = check_credential(
        credential, trusted, status_source=status_source, near=Path(path).resolve().parent
    )
    if strict and text != badges.dump_credential(credential):
        raise VerificationError(
            "內容有效，但檔案的排版被改動過 (content is valid but the file's layout was changed)"
        )
    return result
