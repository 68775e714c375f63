"""What the check page checked, carried to Send so that Send need not do it all again.

The check page holds every answer in hidden fields. It also carries a seal: an HMAC, under a key
only the server has, over those fields, what the identifying-details scan found in them (kinds
and offsets, nothing the answers do not already show) and a digest of the scanner itself. When
Send receives fields that match their seal, they are exactly the ones the check page checked:
Send files them without building and validating the form again and without scanning again
(the service still checks them against today's reference data). Anything changed, missing or
forged, another secret, or a new release of the scanner, and Send checks and scans everything
again. Nothing is kept on the server between the two pages.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from learnhub.reports import identifiers
from learnhub.reports.identifiers import LABELS, Finding, IdentifierKind
from learnhub.reports.models import NARRATIVE_FIELDS
from learnhub.reports.services import scan_answers

Findings = dict[str, list[Finding]]
Fields = Sequence[tuple[str, str]]

# The report form's answers the check page carries, one value each; "factors" may repeat.
SINGLE_FIELDS = (
    *NARRATIVE_FIELDS,
    "potential_severity",
    "event_type",
    "event_month",
    "event_year",
    "service_area",
    "reporter_role",
)
MULTIPLE_FIELD = "factors"

_PURPOSE = b"learnhub check page carried to Send"


@dataclass(frozen=True)
class CarriedCheck:
    """A check page's seal, verified for the fields sent with it."""

    flags: list[list[object]]

    def scan(self, answers: dict[str, str]) -> Findings:
        """The check page's findings in ``answers`` (the checked answers of the sealed fields),
        or a new scan should they not fit them."""
        try:
            return _findings(answers, self.flags)
        except (ValueError, TypeError, KeyError):
            return scan_answers(answers)


def seal(fields: Fields, findings: Findings, secret: str) -> str:
    """The value of the check page's hidden field for its ``fields`` and ``findings``."""
    flags = json.dumps(
        [[name, f.kind.value, f.start, f.end] for name, items in findings.items() for f in items],
        separators=(",", ":"),
    )
    payload = base64.urlsafe_b64encode(flags.encode()).decode()
    return f"{payload}.{_signature(fields, payload, secret)}"


def unseal(fields: Fields, sealed: str, secret: str) -> CarriedCheck | None:
    """The check page's work if ``sealed`` is its seal over exactly these fields, else None."""
    payload, _, signature = sealed.partition(".")
    if not signature or not hmac.compare_digest(signature, _signature(fields, payload, secret)):
        return None
    try:
        flags = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (binascii.Error, ValueError):
        return None
    return CarriedCheck(flags) if isinstance(flags, list) else None


def _findings(answers: dict[str, str], flags: list[list[object]]) -> Findings:
    found: Findings = {}
    for name, kind_value, start, end in flags:
        text = answers[str(name)]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ValueError("a finding outside its answer")
        kind = IdentifierKind(kind_value)
        found.setdefault(str(name), []).append(
            Finding(kind=kind, start=start, end=end, text=text[start:end], label=LABELS[kind])
        )
    return found


def _signature(fields: Fields, payload: str, secret: str) -> str:
    message = json.dumps([scanner_version(), [list(pair) for pair in fields], payload])
    return hmac.new(_key(secret), message.encode(), hashlib.sha256).hexdigest()


@functools.cache
def _key(secret: str) -> bytes:
    # A key of its own, so this signature can never stand in for another use of the secret.
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


@functools.cache
def scanner_version() -> str:
    """A digest of the scanner's code and word lists: a release that changes what it finds
    makes every page sealed before it scan again."""
    module = Path(identifiers.__file__)
    digest = hashlib.sha256(module.read_bytes())
    for path in sorted(module.with_name("data").iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
