"""Staff accounts: passwords, sign-in with throttling, and API tokens. No Flask request here."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from learnhub.auth.models import ApiToken, User
from learnhub.auth.throttle import Key, LoginThrottle, Waiting
from learnhub.core.permissions import Role
from learnhub.core.time import utcnow

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "lh_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as long as a hit.
_dummy_hash = _hasher.hash(secrets.token_hex(16))


def configure_password_hashing(time_cost: int, memory_cost_kib: int) -> None:
    """Set Argon2's cost; production keeps the library's defaults (RFC 9106's second choice)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib)
    _dummy_hash = _hasher.hash(secrets.token_hex(16))


class AccountError(Exception):
    """A request about an account that cannot be met; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LoginFailed(AccountError):
    pass


class LoginThrottled(AccountError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """Lower-cased and checked for shape (no DNS look-up); AccountError if it is not an email."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(
            "Enter an email address in the correct format, like name@example.org", "email"
        ) from exc


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more", "password")


def create_user(
    session: Session, email: str, role: Role, password: str, display_name: str = ""
) -> User:
    email = normalise_email(email)
    check_password_strength(password)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email address already exists", "email")
    user = User(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        password_hash=hash_password(password),
        role=role,
        session_token=secrets.token_urlsafe(32),
    )
    session.add(user)
    session.flush()
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


THROTTLED_MESSAGE = "Too many failed attempts to sign in. Wait {seconds} and try again."
FAILED_MESSAGE = "Enter a correct email address and password"


def wait_text(seconds: int) -> str:
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def authenticate(
    session: Session,
    throttle: LoginThrottle,
    email: str,
    password: str,
    client: str,
    known_browser: dict[int, str] | None = None,
) -> User:
    """Return the user for a correct email and password, or raise LoginFailed / LoginThrottled.

    ``known_browser`` maps the accounts this browser has signed in to before (its device
    cookie) to the browser's nonce for each. Such a browser is throttled on its own failures
    only; any other attempt waits on the email's failures and on the client's. An unknown
    email is throttled and timed like a known one, so neither reveals which accounts exist.
    """
    user = find_user_by_email(session, email)
    nonce = (known_browser or {}).get(user.id) if user is not None else None
    if nonce is not None:
        keys: tuple[Key, ...] = (throttle.device_key(nonce),)
    else:
        keys = (throttle.account_key(email), throttle.client_key(client))
    try:
        attempt = throttle.begin(keys)
    except Waiting as waiting:
        raise LoginThrottled(THROTTLED_MESSAGE.format(seconds=wait_text(waiting.seconds))) from None
    valid = password_matches(user.password_hash if user else _dummy_hash, password)
    if user is None or not valid or not user.is_enabled:
        throttle.end(attempt, failed=True, user_id=user.id if user else None)
        raise LoginFailed(FAILED_MESSAGE)
    throttle.end(attempt, failed=False)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


@dataclass(frozen=True)
class DelayedAccount:
    user: User
    failures: int
    wait_seconds: int  # left on the current wait; 0 when the next attempt may go ahead


def delayed_accounts(session: Session, throttle: LoginThrottle) -> list[DelayedAccount]:
    """Staff accounts with failed sign-ins counted (by email or from one of their browsers),
    the longest wait first. Failures for emails with no account are not listed."""
    now = throttle.clock()
    worst: dict[int, tuple[int, float]] = {}
    for record in throttle.delayed().values():
        if "user" in record:
            failures, until = worst.get(record["user"], (0, 0.0))
            worst[record["user"]] = (max(failures, record["failures"]), max(until, record["until"]))
    users = session.scalars(sa.select(User).where(User.id.in_(worst))).all() if worst else []
    delayed = [
        DelayedAccount(user, worst[user.id][0], max(0, math.ceil(worst[user.id][1] - now)))
        for user in users
    ]
    return sorted(delayed, key=lambda d: (-d.wait_seconds, -d.failures, d.user.email))


def rotate_session_token(user: User) -> None:
    """Sign the account out of every other browser (password change, disabling)."""
    user.session_token = secrets.token_urlsafe(32)


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token and return it with its plaintext, which is never stored and shown once."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip() or "API token",
        token_hash=token_digest(plaintext),
        prefix=plaintext[:10],
    )
    session.add(token)
    session.flush()
    return token, plaintext


def user_for_token(session: Session, plaintext: str, today: dt.date) -> User | None:
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == token_digest(plaintext))
    )
    if token is None or not token.is_usable(utcnow()) or not token.user.is_enabled:
        return None
    if token.last_used_on != today:
        token.last_used_on = today
    return token.user
