"""/admin/audit: administrators search the trail by who, what, object and date, page by page,
and see whether the chain holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.audit import services as audit
from learnhub.audit.anchors import read_anchor_file
from learnhub.audit.keys import current_key_ring
from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import login, make_user


@pytest.fixture
def admin_client(client: FlaskClient) -> FlaskClient:
    login(client, make_user(Role.ADMIN, email="admin@example.org"))
    return client


def entries(rows: str) -> list[str]:
    """The object ids shown in the results table, in order."""
    return [cell.split("</code>")[0] for cell in rows.split("<code>")[1:]]


def add_events() -> None:
    alice = make_user(email="alice@example.org")
    bob = make_user(email="bob@example.org")
    audit.record(db.session, alice, "read", "report", "LR-AAAAA-11111")
    audit.record(db.session, bob, "read", "report", "LR-BBBBB-22222")
    audit.record(db.session, bob, "update", "report_codes", "LR-BBBBB-22222")
    old = audit.record(db.session, alice, "create", "reporter_message", "7")
    # Dated back for the date filter, re-sealed with the key before it commits (and is anchored).
    old.occurred_at = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    old.entry_hash = audit.entry_mac(old, current_key_ring().current)
    db.session.commit()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=ALICE", ["7", "LR-AAAAA-11111"]),
        ("action=read", ["LR-BBBBB-22222", "LR-AAAAA-11111"]),
        ("object_type=report_codes", ["LR-BBBBB-22222"]),
        ("object_id=LR-BBBBB-22222&action=update", ["LR-BBBBB-22222"]),
        ("since=2026-01-01&until=2026-01-31", ["7"]),
        ("actor=nobody", []),
    ],
)
def test_the_search_filters(admin_client: FlaskClient, query: str, expected: list[str]) -> None:
    add_events()
    html = admin_client.get(f"/admin/audit?{query}").get_data(as_text=True)
    table = html.split("<tbody", 1)[1] if "<tbody" in html else ""
    assert entries(table) == expected


def test_it_shows_the_chain_intact_then_broken(admin_client: FlaskClient) -> None:
    add_events()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Chain intact" in page
    second = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id).offset(1)).first()
    db.session.execute(
        sa.text("UPDATE audit_events SET actor_label = 'someone@else' WHERE id = :id"),
        {"id": second.id},
    )
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Chain broken" in page
    assert f"At entry {second.id} (" in page


def test_it_shows_the_anchor_and_whether_the_newest_entries_are_there(
    app: Flask, admin_client: FlaskClient
) -> None:
    add_events()
    newest = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    anchor = page.split('id="chain-anchor"', 1)[1].split("</dl>", 1)[0]
    assert f">{newest.id}</dd>" in anchor
    assert f"<code>{newest.entry_hash[:16]}…</code>" in anchor
    assert f"{newest.id}:{newest.position}:{newest.entry_hash}" in anchor
    assert app.config["AUDIT_ANCHOR_FILE"] in anchor
    assert "Chain intact" in page

    # The page's own read is now the newest entry, and anchored; delete it and the one before.
    anchored = read_anchor_file(Path(app.config["AUDIT_ANCHOR_FILE"]))
    assert anchored.entry_id > newest.id
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= newest.id))
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Chain broken" in page
    assert f"At entry {anchored.entry_id} (missing): the anchor" in page
    assert "the newest entries were deleted" in page
    # Entries written since (this page's reads) do not hide the gap.
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert f"At entry {anchored.entry_id} (missing): the anchor" in page

    Path(app.config["AUDIT_ANCHOR_FILE"]).unlink()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Not verified" in page
    assert "there is no anchor at" in page


def test_it_pages_newest_first(admin_client: FlaskClient) -> None:
    actor = make_user()
    for i in range(120):
        audit.record(db.session, actor, "read", "report", f"LR-{i:03}")
    db.session.commit()
    first = admin_client.get("/admin/audit?object_type=report").get_data(as_text=True)
    assert entries(first.split("<tbody", 1)[1])[:2] == ["LR-119", "LR-118"]
    assert "120 entries" in first
    assert 'href="/admin/audit?page=2&amp;object_type=report"' in first
    last = admin_client.get("/admin/audit?object_type=report&page=3").get_data(as_text=True)
    assert entries(last.split("<tbody", 1)[1]) == [f"LR-{i:03}" for i in range(19, -1, -1)]
    beyond = admin_client.get("/admin/audit?object_type=report&page=99999999999999999999")
    assert beyond.status_code == 200


def test_a_bad_date_is_explained_and_kept(admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/audit?since=31/02/2026&until=2026-01-01")
    html = page.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'value="31/02/2026"' in html


def test_reading_the_trail_is_itself_recorded(admin_client: FlaskClient) -> None:
    admin_client.get("/admin/audit?action=read")
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.actor_label, event.action, event.object_type) == (
        "admin@example.org",
        "read",
        "audit",
    )


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.EDITOR, Role.LEADER])
def test_only_administrators_may_read_it(client: FlaskClient, role: Role) -> None:
    login(client, make_user(role))
    assert client.get("/admin/audit").status_code == 403


def test_details_read_as_words_and_a_long_list_is_folded_away(admin_client: FlaskClient) -> None:
    reviewer = make_user(email="carol@example.org")
    shown = [f"LR-AAAAA-{n:05d}" for n in range(50)]
    audit.record(db.session, reviewer, "list", "report", None, {"references": shown, "page": 1})
    audit.record(
        db.session,
        reviewer,
        "update",
        "theme_list",
        "4",
        {"changes": ["add:EXT-1"], "to": {"status": "accepted", "public": True}},
    )
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    table = page.split("<tbody", 1)[1]
    # Never Python's own spelling of a list or a mapping.
    assert "['" not in table
    assert "{'" not in table
    assert "True" not in table
    assert "theme_list" not in table
    assert "Update theme list <code>4</code>" in table
    assert "Changes: add:EXT-1" in table
    assert "To: public yes, status accepted" in table
    # Fifty references fold into one line that opens to show them all.
    assert '<span class="govuk-details__summary-text">50 items</span>' in table
    assert all(reference in table for reference in shown)


def test_the_filters_offer_stored_values_in_words(admin_client: FlaskClient) -> None:
    reviewer = make_user(email="dave@example.org")
    audit.record(db.session, reviewer, "update", "theme_list", "4", {})
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="theme_list">Theme list</option>' in page
    assert ">theme_list<" not in page
    # Choosing the worded option still searches the stored value.
    found = admin_client.get("/admin/audit?object_type=theme_list").get_data(as_text=True)
    assert "Update theme list <code>4</code>" in found
