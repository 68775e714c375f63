"""The learnhub command: users, tokens and the demo seed."""

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.auth import services
from learnhub.auth.models import ApiToken, User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report, ReportSource
from learnhub.taxonomy.models import FactorChange, FactorSource, ReportFactor, ReviewerCoding
from tests.factories import make_user

PASSWORD = "a long enough password"


def test_users_create_reads_the_password_from_stdin(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Panel.Member@Example.org",
            "--role",
            "reviewer",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = services.find_user_by_email(db.session, "panel.member@example.org")
    assert user is not None
    assert user.role is Role.REVIEWER
    assert services.password_matches(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_users_create_prompts_for_the_password_twice(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "lead@example.org", "--role", "leader"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert services.find_user_by_email(db.session, "lead@example.org") is not None


def test_users_create_refuses_bad_input_with_a_clear_message(runner: FlaskCliRunner) -> None:
    short = runner.invoke(
        args=["users", "create", "a@example.org", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0
    assert "12 characters or more" in short.output
    bad_role = runner.invoke(
        args=["users", "create", "a@example.org", "--role", "superuser", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert bad_role.exit_code != 0
    assert "superuser" in bad_role.output
    bad_email = runner.invoke(
        args=["users", "create", "not-an-email", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert bad_email.exit_code != 0
    assert "correct format" in bad_email.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_users_create_refuses_a_duplicate(runner: FlaskCliRunner) -> None:
    make_user(Role.EDITOR, email="ed@example.org")
    result = runner.invoke(
        args=["users", "create", "ED@example.org", "--role", "editor", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_tokens_create_prints_a_working_token_once(runner: FlaskCliRunner, app: Flask) -> None:
    user = make_user(Role.LEADER)
    result = runner.invoke(args=["tokens", "create", user.email, "--name", "Power BI"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("lh_")
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash == services.token_digest(token)
    assert stored.name == "Power BI"
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["role"] == "leader"


def test_tokens_create_for_an_unknown_email_fails(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["tokens", "create", "nobody@example.org"])
    assert result.exit_code != 0
    assert "No account" in result.output


def test_demo_seed_only_twice_duplicates_nothing(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "--seed-only", "--reports", "40"])
    assert first.exit_code == 0, first.output
    for role in Role:
        assert f"{role.value}@demo.example.org" in first.output
    changes_after_first = db.session.scalar(sa.select(sa.func.count()).select_from(FactorChange))
    second = runner.invoke(args=["demo", "--seed-only", "--reports", "40"])
    assert second.exit_code == 0, second.output
    assert "Review panel: 0 reports coded" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FactorChange)) == (
        changes_after_first
    )
    assert "0 accounts created, 0 reports created, 40 already there" in second.output
    reports = db.session.scalars(sa.select(Report)).all()
    assert len(reports) == 40
    assert {report.source for report in reports} == {ReportSource.DEMO}
    factors = db.session.scalars(sa.select(ReportFactor)).all()
    ticked = [f for f in factors if f.source is FactorSource.REPORTER]
    assert len({f.report_id for f in ticked}) > len(reports) / 2  # most reporters tick something
    assert all(f.decided_by_id is None for f in ticked)
    coded = {f.report_id for f in factors if f.source is FactorSource.REVIEWER}
    assert coded  # the panel has coded the older reports
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewerCoding)) >= len(coded)
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    # One per role, a second reviewer, and a second editor who approved the demo's bulletin.
    assert accounts == len(Role) + 2
    assert "editor2@demo.example.org" in second.output


def test_demo_accounts_can_sign_in(runner: FlaskCliRunner, app: Flask) -> None:
    from learnhub.demo.seed import DEMO_PASSWORD
    from tests.factories import login

    runner.invoke(args=["demo", "--seed-only", "--reports", "0"])
    client = app.test_client()
    response = login(client, "admin@demo.example.org", DEMO_PASSWORD)
    assert response.headers["Location"] == "/staff"


def test_demo_refuses_to_run_in_production(runner: FlaskCliRunner, app: Flask) -> None:
    app.config["ENV_NAME"] = "production"
    try:
        result = runner.invoke(args=["demo", "--seed-only", "--reports", "1"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code != 0
    assert "not in production" in result.output
