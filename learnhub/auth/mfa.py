"""The second factor: TOTP from an authenticator app (RFC 6238) and one-time recovery codes.

Plain functions over the account; no Flask request here. A code is accepted within one 30-second
step either side of now (clocks drift), and never for a step at or before the last one accepted,
so a code read over a shoulder or from a log cannot be used again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.auth.models import RecoveryCode, User
from learnhub.core.permissions import Role
from learnhub.core.time import utcnow

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 16 base-32 characters: 80 random bits, written as four groups of four.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
_NOT_CODE = re.compile(r"[\s-]")


def mfa_required(role: Role, required_roles: Iterable[str]) -> bool:
    return role.value in set(required_roles)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads (as a QR code, or pasted in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean(code: str) -> str:
    return _NOT_CODE.sub("", code or "").lower()


def matching_step(secret: str, code: str, now: dt.datetime, after: int | None) -> int | None:
    """The time step ``code`` belongs to (within the drift allowed), or None; steps at or
    before ``after`` (the last accepted) never match."""
    code = clean(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_for(secret: str, now: dt.datetime) -> str:
    """The code an app shows at ``now`` (for tests and the command line's own checks)."""
    return pyotp.TOTP(secret).at(now)


def recovery_digest(code: str) -> str:
    return hashlib.sha256(clean(code).encode()).hexdigest()


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the account's recovery codes; return the new ones, which are never stored."""
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        session.add(RecoveryCode(user_id=user.id, code_hash=recovery_digest(raw)))
    session.flush()
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def enrol(session: Session, user: User, secret: str, code: str, now: dt.datetime) -> list[str]:
    """Confirm a new authenticator with a code from it; return the recovery codes to show once.
    Raises ValueError when the code does not match."""
    step = matching_step(secret, code, now, None)
    if step is None:
        raise ValueError("code")
    user.totp_secret = secret
    user.totp_last_step = step
    user.mfa_enrolled_at = now
    return new_recovery_codes(session, user)


def verify_totp(user: User, code: str, now: dt.datetime) -> bool:
    """A code from the app, used up: the same code is refused after this."""
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def verify(session: Session, user: User, code: str, now: dt.datetime | None = None) -> str | None:
    """Check a sign-in's second factor: "totp" or "recovery" for the kind that matched (a
    recovery code is used up), or None."""
    now = now or utcnow()
    if user.totp_secret is None:
        return None
    if verify_totp(user, code, now):
        return "totp"
    cleaned = clean(code)
    if len(cleaned) != RECOVERY_LENGTH:
        return None
    # Claimed with one UPDATE, so two sign-ins racing with the same code cannot both use it.
    used = session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery_digest(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return "recovery" if used.rowcount == 1 else None  # type: ignore[attr-defined]


def reset(session: Session, user: User) -> None:
    """Forget the authenticator and recovery codes: the next sign-in enrols again."""
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enrolled_at = None
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
