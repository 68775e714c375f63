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
from itsdangerous import BadSignature, URLSafeTimedSerializer
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
    session: Session,
    email: str,
    role: Role,
    password: str,
    display_name: str = "",
    *,
    must_change_password: bool = False,
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
        must_change_password=must_change_password,
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


# The account's lifecycle: passwords changed, reset and set by an administrator; disabling,
# enabling and roles. Each rotates the session token where a signed-in browser must stop.

WRONG_CURRENT_PASSWORD = "Enter your current password correctly"  # noqa: S105 - a message
PASSWORDS_DIFFER = "Enter the same password twice"


def check_new_password(password: str, confirmation: str, field: str = "new_password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more", field)
    if password != confirmation:
        raise AccountError(PASSWORDS_DIFFER, "confirmation")


def set_password(user: User, password: str) -> None:
    """The user's own new password: any other browser signed in to the account is signed out."""
    if password_matches(user.password_hash, password):
        raise AccountError("Choose a password different from the one you have now", "new_password")
    user.password_hash = hash_password(password)
    user.must_change_password = False
    rotate_session_token(user)


def change_password(user: User, current: str, password: str, confirmation: str) -> None:
    if not password_matches(user.password_hash, current):
        raise AccountError(WRONG_CURRENT_PASSWORD, "current_password")
    check_new_password(password, confirmation)
    set_password(user, password)


def set_temporary_password(user: User, password: str) -> None:
    """A password an administrator chose: it signs the account out everywhere and must be
    changed at the next sign-in."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    rotate_session_token(user)


def admins_left_besides(session: Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.is_enabled.is_(True), User.id != user.id)
        )
        or 0
    )


def set_enabled(session: Session, actor: User | None, user: User, enabled: bool) -> bool:
    """Disable or enable an account; True when it changed. Disabling ends its sessions at once
    (and its API tokens stop working, as they check the account). Nobody disables themselves,
    nor the last enabled administrator."""
    if user.is_enabled == enabled:
        return False
    if not enabled:
        if actor is not None and actor.id == user.id:
            raise AccountError("You cannot disable your own account", "account")
        if user.role is Role.ADMIN and admins_left_besides(session, user) == 0:
            raise AccountError("You cannot disable the last administrator", "account")
        rotate_session_token(user)
    user.is_enabled = enabled
    return True


def set_role(session: Session, actor: User | None, user: User, role: Role) -> bool:
    """Change an account's role; True when it changed. Administrators cannot demote
    themselves, and the last enabled administrator stays one."""
    if user.role is role:
        return False
    if user.role is Role.ADMIN:
        if actor is not None and actor.id == user.id:
            raise AccountError("You cannot change your own role", "role")
        if admins_left_besides(session, user) == 0:
            raise AccountError("You cannot change the role of the last administrator", "role")
    user.role = role
    return True


# Password reset by an emailed link. The link carries the account's id and a fingerprint of its
# password hash and session token, signed and timed: it stops working once the password changes
# (it works once), once the account is signed out everywhere, and after its time.

RESET_SALT = "learnhub.password-reset"


def reset_fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}|{user.session_token}".encode()).hexdigest()[:32]


def reset_token(secret_key: str, user: User) -> str:
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT).dumps(
        [user.id, reset_fingerprint(user)]
    )


def user_for_reset_token(
    session: Session, secret_key: str, token: str, max_age_seconds: int
) -> User | None:
    """The enabled account a reset link is for, while the link is valid; else None."""
    if len(token) > 300:
        return None
    try:
        user_id, fingerprint = URLSafeTimedSerializer(secret_key, salt=RESET_SALT).loads(
            token, max_age=max_age_seconds
        )
    except (BadSignature, ValueError, TypeError):
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_enabled:
        return None
    if not isinstance(fingerprint, str) or not secrets.compare_digest(
        fingerprint, reset_fingerprint(user)
    ):
        return None
    return user
