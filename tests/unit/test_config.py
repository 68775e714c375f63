"""Settings: environment overrides with explicit casts, and production's refusal of weak secrets."""

from pathlib import Path

import pytest

import config
from learnhub import create_app


def test_defaults_put_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = config.load_settings("development", str(tmp_path), environ={})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'learnhub.db'}"
    assert settings["TIMEZONE"] == "Europe/London"
    assert settings["K_THRESHOLD"] == 5


def test_environment_overrides_are_cast(tmp_path: Path) -> None:
    environ = {
        "LEARNHUB_K_THRESHOLD": "10",
        "LEARNHUB_SMTP_PORT": "2525",
        "LEARNHUB_SMTP_STARTTLS": "yes",
        "LEARNHUB_SMTP_USERNAME": "relay-user",
        "LEARNHUB_SMTP_PASSWORD": "relay-pass",
        "LEARNHUB_SMTP_HOST": "smtp.example.org",
        "LEARNHUB_MAIL_FROM": "LearnHub <learnhub@example.org>",
        "LEARNHUB_BASE_URL": "https://learnhub.example.org",
        "LEARNHUB_TIMEZONE": "Europe/Dublin",
        "LEARNHUB_DATABASE_URL": "postgres://u@db/learnhub",
        "LEARNHUB_SECRET_KEY": "s" * 40,
    }
    settings = config.load_settings("development", str(tmp_path), environ=environ)
    assert settings["K_THRESHOLD"] == 10
    assert settings["SMTP_PORT"] == 2525
    assert settings["SMTP_STARTTLS"] is True
    assert settings["SMTP_USERNAME"] == "relay-user"
    assert settings["SMTP_PASSWORD"] == "relay-pass"
    assert settings["SMTP_HOST"] == "smtp.example.org"
    assert settings["MAIL_FROM"] == "LearnHub <learnhub@example.org>"
    assert settings["BASE_URL"] == "https://learnhub.example.org"
    assert settings["TIMEZONE"] == "Europe/Dublin"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/learnhub"
    assert settings["SECRET_KEY"] == "s" * 40


@pytest.mark.parametrize(
    ("variable", "value"),
    [("LEARNHUB_K_THRESHOLD", "five"), ("LEARNHUB_SMTP_STARTTLS", "maybe")],
)
def test_a_malformed_variable_is_named(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(config.ConfigError, match=variable):
        config.load_settings("development", str(tmp_path), environ={variable: value})


def test_explicit_settings_beat_the_environment(tmp_path: Path) -> None:
    settings = config.load_settings(
        {"ENV": "testing", "K_THRESHOLD": 7}, str(tmp_path), environ={"LEARNHUB_K_THRESHOLD": "9"}
    )
    assert settings["K_THRESHOLD"] == 7
    assert settings["TESTING"] is True


def test_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="LEARNHUB_ENV"):
        config.load_settings("staging", str(tmp_path), environ={})


@pytest.mark.parametrize("secret", [None, config.DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_a_missing_or_default_secret(tmp_path: Path, secret: str | None) -> None:
    environ = {} if secret is None else {"LEARNHUB_SECRET_KEY": secret}
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings("production", str(tmp_path), environ=environ)
    message = str(caught.value)
    assert "LEARNHUB_SECRET_KEY" in message
    assert "\n" not in message


def test_production_starts_with_a_proper_secret(tmp_path: Path) -> None:
    settings = config.load_settings(
        "production",
        str(tmp_path),
        environ={
            "LEARNHUB_SECRET_KEY": "x" * 64,
            "LEARNHUB_AUDIT_KEY": "a" * 64,
            "LEARNHUB_BASE_URL": "https://learnhub.example.org/",
        },
    )
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["BASE_URL"] == "https://learnhub.example.org"
    assert settings["AUDIT_ANCHOR_FILE"] == str(tmp_path / "audit-anchor")


@pytest.mark.parametrize("audit_key", [None, "short", "x" * 64], ids=["unset", "short", "secret"])
def test_production_refuses_a_missing_weak_or_reused_audit_key(
    tmp_path: Path, audit_key: str | None
) -> None:
    environ = {"LEARNHUB_SECRET_KEY": "x" * 64}
    if audit_key is not None:
        environ["LEARNHUB_AUDIT_KEY"] = audit_key
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings("production", str(tmp_path), environ=environ)
    message = str(caught.value)
    assert message.startswith("LEARNHUB_AUDIT_KEY must be set in production")
    assert "\n" not in message


def test_create_app_refuses_production_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEARNHUB_SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="LEARNHUB_SECRET_KEY"):
        create_app("production")


def test_receipt_key_falls_back_to_the_secret_key(tmp_path: Path) -> None:
    settings = config.load_settings(
        "development", str(tmp_path), environ={"LEARNHUB_SECRET_KEY": "k" * 40}
    )
    assert settings["RECEIPT_KEY"] == "k" * 40


@pytest.mark.parametrize("missing", ["LEARNHUB_SECRET_KEY", "LEARNHUB_AUDIT_KEY"])
@pytest.mark.parametrize(
    "command", [["-m", "learnhub", "routes"], ["-c", "import wsgi"]], ids=["cli", "wsgi"]
)
def test_production_without_a_key_stops_with_one_line(
    tmp_path: Path, command: list[str], missing: str
) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNHUB_")}
    env.update(LEARNHUB_ENV="production", LEARNHUB_DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    if missing != "LEARNHUB_SECRET_KEY":
        env["LEARNHUB_SECRET_KEY"] = "s" * 64
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert missing in lines[0]


def test_the_rate_limit_store_is_named_by_the_new_variable_or_the_old_one(
    tmp_path: Path,
) -> None:
    def storage(environ: dict[str, str]) -> str:
        return config.load_settings("development", str(tmp_path), environ=environ)[
            "RATE_LIMIT_STORAGE"
        ]

    assert storage({}) == "memory://"
    assert storage({"LEARNHUB_RATELIMIT_STORAGE_URL": "redis://old:6379/0"}) == "redis://old:6379/0"
    both = {
        "LEARNHUB_RATELIMIT_STORAGE_URL": "redis://old:6379/0",
        "LEARNHUB_RATE_LIMIT_STORAGE": "redis://new:6379/0",
    }
    assert storage(both) == "redis://new:6379/0"
    window = config.load_settings(
        "development", str(tmp_path), environ={"LEARNHUB_LOGIN_LOCKOUT_MINUTES": "30"}
    )["LOGIN_FAILURE_WINDOW_MINUTES"]
    assert window == 30
    with pytest.raises(config.ConfigError, match="LEARNHUB_LOGIN_LOCKOUT_MINUTES"):
        config.load_settings(
            "development", str(tmp_path), environ={"LEARNHUB_LOGIN_LOCKOUT_MINUTES": "soon"}
        )


def test_production_refuses_a_missing_base_url(tmp_path: Path) -> None:
    environ = {"LEARNHUB_SECRET_KEY": "x" * 64, "LEARNHUB_AUDIT_KEY": "a" * 64}
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings("production", str(tmp_path), environ=environ)
    message = str(caught.value)
    assert message.startswith("LEARNHUB_BASE_URL must be set in production")
    assert "\n" not in message


def test_a_base_url_without_a_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="LEARNHUB_BASE_URL must start with https://"):
        config.load_settings(
            "development", str(tmp_path), environ={"LEARNHUB_BASE_URL": "learnhub.example.org"}
        )


def test_development_without_a_base_url_follows_the_server(tmp_path: Path) -> None:
    settings = config.load_settings("development", str(tmp_path), environ={})
    assert settings["BASE_URL"] == "http://127.0.0.1:5000"
    assert settings["BASE_URL_FROM_SERVER"] is True
    chosen = config.load_settings(
        "development", str(tmp_path), environ={"LEARNHUB_BASE_URL": "http://lh.test:8000"}
    )
    assert chosen["BASE_URL_FROM_SERVER"] is False
