"""The check page's identifying-details scan, carried to Send so it is not run twice.

The check page already holds the reporter's answers in hidden fields. It also carries what the
scan found in them (kinds and offsets, nothing the answers do not already show), signed with a
key only the server has, over the answers, the findings and the scanner itself. Send trusts the
findings only when the signature matches the answers it received and this same scanner: any
change, a missing or forged field, or a new release of the scanner means the answers are scanned
again. Nothing is kept on the server between the two pages.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

from learnhub.reports import identifiers
from learnhub.reports.identifiers import LABELS, Finding, IdentifierKind
from learnhub.reports.services import scan_answers

Findings = dict[str, list[Finding]]

_PURPOSE = b"learnhub identifier scan carried to Send"


def seal(answers: dict[str, str], findings: Findings, secret: str) -> str:
    """The value of the check page's hidden field for ``findings`` in ``answers``."""
    flags = json.dumps(
        [[name, f.kind.value, f.start, f.end] for name, items in findings.items() for f in items],
        separators=(",", ":"),
    )
    payload = base64.urlsafe_b64encode(flags.encode()).decode()
    return f"{payload}.{_signature(answers, payload, secret)}"


def unseal(answers: dict[str, str], sealed: str, secret: str) -> Findings | None:
    """The findings ``seal`` signed for exactly these answers, or None if they cannot be used."""
    payload, _, signature = sealed.partition(".")
    if not signature or not hmac.compare_digest(signature, _signature(answers, payload, secret)):
        return None
    try:
        flags = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return _findings(answers, flags)
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None


def scanner(sealed: str, secret: str) -> Callable[[dict[str, str]], Findings]:
    """A scan for ``check_submission`` that takes the sealed findings when they are for the
    answers it is given, and scans the answers itself when they are not."""

    def scan(answers: dict[str, str]) -> Findings:
        carried = unseal(answers, sealed, secret)
        return scan_answers(answers) if carried is None else carried

    return scan


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


def _signature(answers: dict[str, str], payload: str, secret: str) -> str:
    message = json.dumps([scanner_version(), answers, payload], sort_keys=True)
    return hmac.new(_key(secret), message.encode(), hashlib.sha256).hexdigest()


@functools.cache
def _key(secret: str) -> bytes:
    # A key of its own, so this signature can never stand in for another use of the secret.
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


@functools.cache
def scanner_version() -> str:
    """A digest of the scanner's code and word lists: a release that changes what it finds
    makes every page signed before it scan again."""
    module = Path(identifiers.__file__)
    digest = hashlib.sha256(module.read_bytes())
    for path in sorted(module.with_name("data").iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
