"""A GET writes nothing: every GET route, as the public and as every role, with real values for
its variables, sends no INSERT, UPDATE or DELETE to the database.

The one write a GET makes by design is the audit trail's record of a read ("reading a report is
audited"): a statement on `audit_events` is allowed. Beside it only the API's authentication
bookkeeping, as a session would be: the day an API token was last used (`api_tokens`, that one
column), and nothing else. Opening a report does not mark the reporter's reply read nor store
the code suggestions; a sign-in, a theme run or any other change is a POST or a job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from learnhub.actions.services import ActionDraft, create_action
from learnhub.auth.services import reset_token
from learnhub.bulletins.links import confirm_token, unsubscribe_token
from learnhub.bulletins.models import Subscriber, SubscriberSource, SubscriberStatus
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.charts import CHARTS
from learnhub.dashboard.export import TABLES
from learnhub.dashboard.jobs import refresh_rollups
from learnhub.dashboard.services import tier_titles
from learnhub.reports.models import Report
from learnhub.reports.services import add_reporter_reply, ask_reporter
from learnhub.taxonomy import services as taxonomy
from tests.factories import csrf_token, make_report, make_theme, make_user
from tests.integration.bulletins.helpers import published_issue
from tests.integration.test_route_permissions import sign_in_as

WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|UPSERT)\b", re.IGNORECASE)
# The single write a GET may make: the audit record of a read (inserted, then its place in the
# hash chain written to the same row).
ALLOWED = re.compile(
    r"\s*((INSERT\s+INTO|UPDATE)\s+\"?audit_events\"?[\s(]"
    # A token's last-used day: the API's sign-in bookkeeping, not the page's doing.
    r"|UPDATE\s+\"?api_tokens\"?\s+SET\s+\"?last_used_on\"?=\S+\s+WHERE)",
    re.IGNORECASE,
)
STATIC = Path(__file__).resolve().parents[2] / "learnhub" / "static"


def replied_report() -> tuple[Report, str]:
    """A report with a reply no reviewer has read and no stored suggestions: the two things a
    report page once wrote on a GET."""
    report, receipt = make_report()
    today = dt.date(2026, 10, 3)
    ask_reporter(db.session, report, make_user().id, "Which system held it?", today)
    add_reporter_reply(db.session, report, "The case recording system.", today)
    db.session.commit()
    return report, receipt


def url_values() -> tuple[dict[str, list[str]], str]:
    """Real values for every URL variable of a GET route, and the report's receipt."""
    report, receipt = replied_report()
    theme = make_theme()
    action = create_action(
        db.session,
        ActionDraft("Handover checklist for every duty team", "Duty team", dt.date(2027, 1, 31)),
        theme=theme,
    )
    bulletin = published_issue()
    pending = Subscriber(
        email="new@example.org", status=SubscriberStatus.PENDING, source=SubscriberSource.SIGNUP
    )
    db.session.add(pending)
    db.session.flush()
    version = taxonomy.active_version(db.session)
    assert version is not None
    secret = current_app.config["SECRET_KEY"]
    staff = make_user(Role.EDITOR)
    db.session.commit()
    refresh_rollups()
    values = {
        "reference": [report.reference],
        "theme_id": [str(theme.id)],
        "action_id": [str(action.id)],
        "bulletin_id": [str(bulletin.id)],
        "number": sorted({str(bulletin.number), str(version.number)}),  # an issue; a version
        "token": [
            confirm_token(secret, pending),
            unsubscribe_token(secret, pending),
            reset_token(secret, staff),  # a password-reset link, opened before it is used
        ],
        "user_id": [str(staff.id)],
        "code_id": [version.codes[0].code],
        "name": list(CHARTS),
        "table": list(TABLES),
        "tier": list(tier_titles()),
        "filename": [
            next(p for p in STATIC.rglob("*") if p.is_file()).relative_to(STATIC).as_posix()
        ],
    }
    return values, receipt


def get_urls(app: Flask, values: dict[str, list[str]]) -> list[str]:
    urls = []
    rules: list[Rule] = sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint)
    for rule in rules:
        if "GET" not in (rule.methods or ()):
            continue
        missing = rule.arguments - set(values)
        assert not missing, f"{rule.rule}: say which values to read it with"
        combos: list[dict[str, Any]] = [{}]
        for name in sorted(rule.arguments):
            combos = [{**combo, name: value} for combo in combos for value in values[name]]
        for combo in combos:
            urls.append(rule.build(combo, append_unknown=False)[1])
    return urls


@contextmanager
def statements_seen() -> Iterator[list[tuple[str, str]]]:
    """Every statement sent while the block runs, with the label in ``seen_while[0]``."""
    seen: list[tuple[str, str]] = []
    label: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if label:
            seen.append((label[0], statement))

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen, label  # type: ignore[misc]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def open_reporters_thread(client: FlaskClient, receipt: str) -> None:
    page = client.get("/followup")
    client.post("/followup", data={"receipt": receipt, "csrf_token": csrf_token(page)})


def test_no_get_writes_anything_but_the_audit_record_of_a_read(app: Flask) -> None:
    values, receipt = url_values()
    urls = get_urls(app, values)
    writes, audited = [], 0
    for role in [None, *Role]:
        client = app.test_client()
        headers = sign_in_as(app, client, role) if role else {"X-Receipt": receipt}
        if role is None:
            open_reporters_thread(client, receipt)
        with statements_seen() as (seen, label):
            for url in urls:
                label[:] = [f"{role.value if role else 'public'} GET {url}"]
                response = client.get(url, headers=headers)
                response.close()
                assert response.status_code < 500, label[0]
            label.clear()
        for where, statement in seen:
            if ALLOWED.match(statement):
                audited += "audit_events" in statement
            elif WRITE.match(statement):
                writes.append(f"{where}: {' '.join(statement.split()[:4])}")
    assert writes == []
    assert audited  # the listener saw the reads' audit records, so it would see other writes


def test_the_check_sees_a_write() -> None:
    assert WRITE.match("UPDATE reporter_messages SET seen_by_panel=?")
    assert WRITE.match("\n INSERT INTO report_factors (id) VALUES (?)")
    assert not ALLOWED.match("INSERT INTO report_factors (id) VALUES (?)")
    assert not ALLOWED.match("INSERT INTO audit_events_copy (id) VALUES (?)")
    assert ALLOWED.match('INSERT INTO "audit_events" (occurred_at) VALUES (?)')
    assert ALLOWED.match("UPDATE audit_events SET prev_hash=?, entry_hash=? WHERE id = ?")
    assert not ALLOWED.match("DELETE FROM audit_events")
    assert ALLOWED.match("UPDATE api_tokens SET last_used_on=? WHERE api_tokens.id = ?")
    assert not ALLOWED.match("UPDATE api_tokens SET last_used_on=?, revoked_at=? WHERE id = ?")
    assert not WRITE.match("SELECT reporter_messages.id FROM reporter_messages")
