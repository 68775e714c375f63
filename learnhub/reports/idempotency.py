"""Idempotency keys for ``POST /api/v1/reports``: a client that retries after a dropped
connection, sending the same ``Idempotency-Key``, gets the first answer back and files nothing
more; the same key with a different body is refused.

What is stored keeps the anonymity rules: a keyed hash of the key (so the table cannot be
searched for a key a client used), the day of first use (nothing finer), and the first answer
sealed under a key derived from the client's key and the server's secret (so a database copy
alone cannot read the receipt in it). A key is honoured on the day it is first used and the
day after (at least 24 hours), and the nightly retention job deletes it after that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.sealing import derive_key, seal, unseal
from learnhub.reports.models import ReportIdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII, long enough that a key cannot be guessed (a UUID is 36): the key is what
# unseals the stored answer.
KEY_FORMAT = re.compile(r"[!-~]{16,255}")
KEEP_DAYS = 1  # after the day of first use


class IdempotencyKeyInvalid(ValueError):
    """The header is not a usable key."""


class IdempotencyKeyReused(Exception):
    """The key was first used with a different request."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def checked_key(value: str) -> str:
    if not KEY_FORMAT.fullmatch(value):
        raise IdempotencyKeyInvalid(
            f"{HEADER} must be 16 to 255 visible ASCII characters, for example a random UUID"
        )
    return value


def key_hash(secret: str, key: str) -> str:
    return hmac.new(
        derive_key(secret, "idempotency-key-hash"), key.encode(), hashlib.sha256
    ).hexdigest()


def _answer_key(secret: str, key: str) -> bytes:
    return derive_key(secret, "idempotency-answer", context=key.encode())


def _fingerprint(request_body: Any) -> str:
    canonical = json.dumps(request_body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def expired_before(today: dt.date) -> dt.date:
    """Keys first used before this day are no longer honoured (and are purged)."""
    return today - dt.timedelta(days=KEEP_DAYS)


def first_answer(
    session: Session, secret: str, key: str, request_body: Any, today: dt.date
) -> Answer | None:
    """The answer kept for this key, or None if it has none (or only an expired one, which
    is removed so the key can be used afresh). Raises IdempotencyKeyReused if the key was
    used with another request."""
    row = session.get(ReportIdempotencyKey, key_hash(secret, key))
    if row is None:
        return None
    if row.used_on < expired_before(today):
        session.delete(row)
        session.flush()
        return None
    opened = unseal(_answer_key(secret, key), row.sealed_answer)
    kept = json.loads(opened) if opened is not None else None
    if kept is None or kept["request"] != _fingerprint(request_body):
        raise IdempotencyKeyReused
    return Answer(kept["status"], kept["body"])


def keep_answer(
    session: Session,
    secret: str,
    key: str,
    request_body: Any,
    answer: Answer,
    today: dt.date,
) -> None:
    """Keep the answer for retries, in the transaction that filed the report. Raises
    sqlalchemy's IntegrityError if a concurrent request with the same key got there first."""
    sealed = seal(
        _answer_key(secret, key),
        json.dumps(
            {"request": _fingerprint(request_body), "status": answer.status, "body": answer.body}
        ).encode(),
    )
    session.add(
        ReportIdempotencyKey(key_hash=key_hash(secret, key), used_on=today, sealed_answer=sealed)
    )
    session.flush()


def expired(today: dt.date) -> sa.ColumnElement[bool]:
    return ReportIdempotencyKey.used_on < expired_before(today)
