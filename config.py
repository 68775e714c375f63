"""LearnHub settings: one class per environment, every value overridable by ``LEARNHUB_*``.

Environment variables are read with explicit casts so that a typo in production fails loudly
at start-up instead of surfacing later as a wrong type.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENV_PREFIX = "LEARNHUB_"
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the value production refuses


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message is one line an operator can act on."""


def as_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def as_int(raw: str) -> int:
    return int(raw.strip())


def as_str(raw: str) -> str:
    return raw


def as_optional_str(raw: str) -> str | None:
    return raw or None


def as_host_list(raw: str) -> list[str] | None:
    """Comma-separated host names; none given means any host is answered."""
    hosts = [host.strip() for host in raw.split(",") if host.strip()]
    return hosts or None


def as_name_list(raw: str) -> tuple[str, ...]:
    """Comma-separated names, lower-cased; an empty value is an empty list."""
    return tuple(name.strip().lower() for name in raw.split(",") if name.strip())


# Earlier names still read (the new name wins when both are set).
ALIASES: dict[str, str] = {
    "RATELIMIT_STORAGE_URL": "RATE_LIMIT_STORAGE",
    "LOGIN_LOCKOUT_MINUTES": "LOGIN_FAILURE_WINDOW_MINUTES",
}

# Every overridable setting and the cast applied to its LEARNHUB_* variable.
CASTS: dict[str, Callable[[str], Any]] = {
    "DATABASE_URL": as_str,
    "SECRET_KEY": as_str,
    "RECEIPT_KEY": as_optional_str,
    "BASE_URL": as_str,
    "TIMEZONE": as_str,
    "K_THRESHOLD": as_int,
    "SMTP_HOST": as_str,
    "SMTP_PORT": as_int,
    "SMTP_USERNAME": as_optional_str,
    "SMTP_PASSWORD": as_optional_str,
    "SMTP_STARTTLS": as_bool,
    "SMTP_TIMEOUT": as_int,
    "MAIL_FROM": as_str,
    "RATE_LIMIT_STORAGE": as_str,
    "LOGIN_MAX_FAILURES": as_int,
    "LOGIN_CLIENT_MAX_FAILURES": as_int,
    "LOGIN_MAX_DELAY_SECONDS": as_int,
    "LOGIN_FAILURE_WINDOW_MINUTES": as_int,
    "LOGIN_DEVICE_COOKIE_DAYS": as_int,
    "ORGANISATION_NAME": as_str,
    "SAFEGUARDING_PHONE": as_str,
    "SAFEGUARDING_OUT_OF_HOURS_PHONE": as_str,
    "SESSION_COOKIE_SECURE": as_bool,
    "LOG_LEVEL": as_str,
    "TRUSTED_PROXIES": as_int,
    "TRUSTED_HOSTS": as_host_list,
    "REPORT_SUBMISSION_LIMIT": as_str,
    "RECEIPT_LOOKUP_LIMIT": as_str,
    "PASSWORD_RESET_LIMIT": as_str,
    "PASSWORD_RESET_ADDRESS_LIMIT": as_str,
    "FOLLOWUP_SESSION_MINUTES": as_int,
    "PASSWORD_HASH_TIME_COST": as_int,
    "MFA_REQUIRED_ROLES": as_name_list,
    "PASSWORD_RESET_MINUTES": as_int,
    "PASSWORD_HASH_MEMORY_KIB": as_int,
    "RETENTION_THREAD_DAYS": as_int,
    "RETENTION_NARRATIVE_DAYS": as_int,
    "RETENTION_DELIVERY_DAYS": as_int,
    "THEME_WINDOW_MONTHS": as_int,
    "AUDIT_KEY": as_optional_str,
    "AUDIT_PREVIOUS_KEYS": as_str,
    "AUDIT_ANCHOR_FILE": as_optional_str,
}


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    DATABASE_URL: str = ""  # empty means: SQLite file in the instance folder
    SECRET_KEY = DEFAULT_SECRET_KEY
    # Receipts are stored only as a keyed hash; a separate key lets operators rotate the
    # session key without orphaning every reporter's receipt.
    RECEIPT_KEY: str | None = None
    # The public address links in emails and the Atom feed are built from. Empty: production
    # refuses to start; development uses the address `learnhub run`/`demo` serves on.
    BASE_URL = ""
    TIMEZONE = "Europe/London"
    K_THRESHOLD = 5
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 30
    MAIL_FROM = "LearnHub <learnhub@localhost>"
    # Where rate-limit and sign-in counters live: memory:// (this process only, for one web
    # process) or redis://host:6379/0 (shared by every web process). See
    # docs/sign-in-throttling.md.
    RATE_LIMIT_STORAGE = "memory://"
    # Sign-in: failures for one email before each further one makes it wait (2 s, doubling, up
    # to LOGIN_MAX_DELAY_SECONDS); failures from one client before its attempts wait the same
    # way; the window failures are counted over; how long a browser that signed in is known.
    LOGIN_MAX_FAILURES = 5
    LOGIN_CLIENT_MAX_FAILURES = 20
    LOGIN_MAX_DELAY_SECONDS = 60
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_DEVICE_COOKIE_DAYS = 180
    ORGANISATION_NAME = "Northshire County Council"
    # 01632 960xxx is Ofcom's range reserved for fiction: a real council sets its own numbers.
    SAFEGUARDING_PHONE = "01632 960 000"
    SAFEGUARDING_OUT_OF_HOURS_PHONE = "01632 960 001"
    SESSION_COOKIE_SECURE = False
    LOG_LEVEL = "INFO"
    # How many reverse proxies sit in front: their X-Forwarded-For is then believed, so rate
    # limits see each client rather than the proxy. The address is never stored or logged.
    TRUSTED_PROXIES = 0
    # Host names this site answers to (Flask's TRUSTED_HOSTS; ".example.org" also takes its
    # subdomains); a request naming any other Host gets a 400. None answers any host, and
    # redirects are made relative either way (core/security.py).
    TRUSTED_HOSTS: list[str] | None = None
    # Anonymous routes: limits per client, counted under a daily-changing in-memory key.
    REPORT_SUBMISSION_LIMIT = "20/hour"
    RECEIPT_LOOKUP_LIMIT = "10/15minute"  # wrong receipts only
    # Password-reset requests: per client (a 429 past it), and per address (past it the page is
    # the same but no email goes, so nobody can flood a colleague's inbox or learn who exists).
    PASSWORD_RESET_LIMIT = "10/hour"  # noqa: S105 - a rate, not a password
    PASSWORD_RESET_ADDRESS_LIMIT = "3/hour"  # noqa: S105 - a rate, not a password
    # How long a receipt, once entered, opens the follow-up pages in that browser.
    FOLLOWUP_SESSION_MINUTES = 30
    # Argon2id cost: argon2-cffi's defaults (3 passes over 64 MiB) unless a test run lowers it.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    # Roles that must sign in with an authenticator code (TOTP) as well as a password: those
    # that read raw narratives (reviewer) or administer (admin). See docs/security.md.
    MFA_REQUIRED_ROLES: tuple[str, ...] = ("reviewer", "admin")
    # How long an emailed password-reset link works (it works once).
    PASSWORD_RESET_MINUTES = 60
    # Retention in days (0 keeps that data); see learnhub/retention/services.py and the README.
    RETENTION_THREAD_DAYS = 90  # after a closed report's last message: the receipt hash goes
    RETENTION_NARRATIVE_DAYS = 730  # after closing: raw answers and thread go, redacted stays
    RETENTION_DELIVERY_DAYS = 365  # after sending: the delivery row goes
    # Months of reports the theme job reads, ending this month (4 to 120); see docs/themes.md.
    THEME_WINDOW_MONTHS = 12
    # The audit trail's MAC key: never in the database, so a database writer cannot re-seal
    # an edited trail. Production requires it; elsewhere one is generated in the instance
    # folder (audit.key, mode 0600). Previous keys (comma-separated) still verify old entries.
    AUDIT_KEY: str | None = None
    AUDIT_PREVIOUS_KEYS = ""
    # Where the newest entry's anchor is written for shipping elsewhere; default
    # instance/audit-anchor. See docs/audit-trail.md.
    AUDIT_ANCHOR_FILE: str | None = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Far above the longest report (five answers of 10,000 characters); anything bigger is a 413.
    MAX_CONTENT_LENGTH = 512 * 1024
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # SQLite only: take the write lock when a transaction starts (see core/database.py).
    SQLITE_BEGIN_IMMEDIATE = True
    WTF_CSRF_TIME_LIMIT: int | None = None
    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # the demo runs without the debugger: it must never be exposed by accident


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - used only by the test suite
    RECEIPT_KEY = "testing-receipt-key"
    AUDIT_KEY = "testing-audit-key-used-only-by-the-test-suite"
    RATE_LIMIT_STORAGE = "memory://"
    # Each test runs inside one long transaction that is rolled back; a second connection (the
    # migration check in `learnhub init`) must still be able to read beside it.
    SQLITE_BEGIN_IMMEDIATE = False
    # Cheap hashing keeps a suite that signs in hundreds of times fast; never used outside tests.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    # Most tests sign staff in with a password alone; the MFA tests set the roles they need.
    MFA_REQUIRED_ROLES: tuple[str, ...] = ()


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def settings_from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Return the ``LEARNHUB_*`` overrides, cast; raise ConfigError naming a bad variable."""
    overrides: dict[str, Any] = {}
    for name, cast in CASTS.items():
        variables = [name] + [old for old, new in ALIASES.items() if new == name]
        variable = next((v for v in variables if ENV_PREFIX + v in environ), None)
        if variable is None:
            continue
        try:
            overrides[name] = cast(environ[ENV_PREFIX + variable])
        except ValueError as exc:
            raise ConfigError(f"{ENV_PREFIX}{variable} is not valid: {exc}") from exc
    return overrides


def load_settings(
    config: str | dict[str, Any] | None,
    instance_path: str,
    environ: os._Environ[str] | dict[str, str] | None = None,
) -> dict[str, Any]:
    """Build the settings for one app: class defaults, then environment, then explicit values.

    ``config`` is an environment name, a mapping of explicit settings (tests pass these; an
    ``ENV`` key picks the class), or None for ``LEARNHUB_ENV`` (default: development).
    """
    environ = os.environ if environ is None else environ
    explicit: dict[str, Any] = {}
    if isinstance(config, dict):
        explicit = dict(config)
        env_name = explicit.pop("ENV", None) or environ.get(ENV_PREFIX + "ENV", "development")
    else:
        env_name = config or environ.get(ENV_PREFIX + "ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"{ENV_PREFIX}ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    cls = CONFIGS[env_name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    settings.update(settings_from_environment(environ))
    for old, new in ALIASES.items():
        if old in explicit:
            explicit.setdefault(new, explicit.pop(old))
    settings.update(explicit)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "learnhub.db")
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings["DATABASE_URL"])
    # A database error's text would otherwise carry the statement's parameters — a reporter's
    # answers — into any log line or traceback it reaches.
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "hide_parameters": True,
        **settings.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    settings["RECEIPT_KEY"] = settings["RECEIPT_KEY"] or settings["SECRET_KEY"]
    if not settings["AUDIT_ANCHOR_FILE"]:
        # A test run's anchors are for its throwaway databases: never beside the demo's.
        folder = instance_path
        if cls.TESTING:
            folder = tempfile.mkdtemp(prefix="learnhub-test-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        settings["AUDIT_ANCHOR_FILE"] = str(Path(folder) / "audit-anchor")
    check_production_secret(settings)
    check_production_audit_key(settings)
    settle_base_url(settings)
    return settings


DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def settle_base_url(settings: dict[str, Any]) -> None:
    """Production needs LEARNHUB_BASE_URL; elsewhere an unset one follows the served address
    (``BASE_URL_FROM_SERVER``: `learnhub run --port` and `learnhub demo --port` set it)."""
    base = (settings.get("BASE_URL") or "").strip()
    if base and not base.startswith(("http://", "https://")):
        raise ConfigError(f"LEARNHUB_BASE_URL must start with https:// or http://, not {base!r}")
    if base:
        settings["BASE_URL"] = base.rstrip("/")
        settings["BASE_URL_FROM_SERVER"] = False
        return
    if settings["ENV_NAME"] == "production":
        raise ConfigError(
            "LEARNHUB_BASE_URL must be set in production to the address people open LearnHub "
            "at (for example https://learnhub.example.org): links in emails and the Atom feed "
            "are built from it"
        )
    settings["BASE_URL"] = DEVELOPMENT_BASE_URL
    settings["BASE_URL_FROM_SERVER"] = True


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the only PostgreSQL driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_production_secret(settings: dict[str, Any]) -> None:
    if settings["ENV_NAME"] != "production":
        return
    secret = settings.get("SECRET_KEY") or ""
    if secret in {"", DEFAULT_SECRET_KEY} or len(secret) < 32:
        raise ConfigError(
            "LEARNHUB_SECRET_KEY must be set to a random value of at least 32 characters in "
            'production (for example: python3 -c "import secrets; print(secrets.token_hex(32))")'
        )


def check_production_audit_key(settings: dict[str, Any]) -> None:
    if settings["ENV_NAME"] != "production":
        return
    key = settings.get("AUDIT_KEY") or ""
    if len(key) < 32 or key == settings.get("SECRET_KEY"):
        raise ConfigError(
            "LEARNHUB_AUDIT_KEY must be set in production to a random value of at least 32 "
            "characters, different from LEARNHUB_SECRET_KEY and kept outside the database "
            '(for example: python3 -c "import secrets; print(secrets.token_hex(32))")'
        )
