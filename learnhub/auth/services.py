"""Staff accounts: passwords, sign-in with throttling, and API tokens. No Flask request here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session

from learnhub.auth.models import ApiToken, User
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


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lockout_minutes: int


class LoginThrottle:
    """Counts failed sign-ins per email and per client in an expiring store (memory or Redis).

    The email is hashed before it is used as a key, so the store holds no addresses.
    """

    def __init__(self, storage_url: str, policy: LoginPolicy) -> None:
        self.storage: Storage = storage_from_string(storage_url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.policy = policy
        self.item = RateLimitItemPerMinute(policy.max_failures, policy.lockout_minutes)
        # A shared office address sends many people's sign-ins: allow it more room.
        self.client_item = RateLimitItemPerMinute(policy.max_failures * 4, policy.lockout_minutes)

    @staticmethod
    def _email_key(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    def is_blocked(self, email: str, client: str) -> bool:
        return not (
            self.limiter.test(self.item, "login-email", self._email_key(email))
            and self.limiter.test(self.client_item, "login-client", client)
        )

    def record_failure(self, email: str, client: str) -> None:
        self.limiter.hit(self.item, "login-email", self._email_key(email))
        self.limiter.hit(self.client_item, "login-client", client)

    def clear(self, email: str) -> None:
        self.limiter.clear(self.item, "login-email", self._email_key(email))

    def reset(self) -> None:
        self.storage.reset()


THROTTLED_MESSAGE = (
    "You have entered incorrect details too many times. Wait {minutes} minutes and try again."
)
FAILED_MESSAGE = "Enter a correct email address and password"


def authenticate(
    session: Session, throttle: LoginThrottle, email: str, password: str, client: str
) -> User:
    """Return the user for a correct email and password, or raise LoginFailed / LoginThrottled.

    Locks an account for a while after repeated failures; the lock is kept in the database too,
    so it holds across web processes even without a shared rate-limit store.
    """
    now = utcnow()
    minutes = throttle.policy.lockout_minutes
    if throttle.is_blocked(email, client):
        raise LoginThrottled(THROTTLED_MESSAGE.format(minutes=minutes))
    user = find_user_by_email(session, email)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginThrottled(THROTTLED_MESSAGE.format(minutes=minutes))
    valid = password_matches(user.password_hash if user else _dummy_hash, password)
    if user is None or not valid or not user.is_enabled:
        throttle.record_failure(email, client)
        if user is not None:
            register_failure(user, throttle.policy, now)
        raise LoginFailed(FAILED_MESSAGE)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    throttle.clear(email)
    return user


def register_failure(user: User, policy: LoginPolicy, now: dt.datetime) -> None:
    user.failed_login_count += 1
    if user.failed_login_count >= policy.max_failures:
        user.locked_until = now + dt.timedelta(minutes=policy.lockout_minutes)
        user.failed_login_count = 0


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
