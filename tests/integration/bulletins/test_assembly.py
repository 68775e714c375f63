"""Assembling, editing, approving and publishing an issue, and what a published issue shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.actions.models import Action, ActionStatus
from learnhub.audit.models import AuditEvent
from learnhub.bulletins import services
from learnhub.bulletins.models import (
    Bulletin,
    BulletinItem,
    BulletinStatus,
    ItemKind,
    PublishedBulletinChanged,
)
from learnhub.core.extensions import db
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import csrf_token, login, make_report
from tests.integration.bulletins.helpers import PERIOD, editors, published_issue


def accepted_theme(title: str, decided: dt.datetime, status: ThemeStatus = ThemeStatus.ACCEPTED):
    theme = Theme(
        signature=title.lower().replace(" ", "-"),
        kind=ThemeKind.FACTOR_COMBINATION,
        status=status,
        title=title,
        summary="Handovers at shift change miss the latest risk information.",
        decided_at=decided,
    )
    db.session.add(theme)
    db.session.flush()
    return theme


def deidentified_report(text: str, raw: str = "Jane Smith at 12 High Street"):
    report, _ = make_report(f"{raw}. {text}", received_on=dt.date(2026, 10, 5))
    report.redacted = {
        "narrative": f"[name] at [address]. {text}",
        "what_would_help": "A checklist.",
    }
    report.deidentified_on = dt.date(2026, 10, 20)
    db.session.commit()
    return report


def test_the_draft_gathers_the_months_learning_and_suppresses_small_figures(app: Flask) -> None:
    inside = accepted_theme("Shift handovers", dt.datetime(2026, 10, 12, tzinfo=dt.UTC))
    accepted_theme("Earlier theme", dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
    accepted_theme("A candidate", dt.datetime(2026, 10, 3, tzinfo=dt.UTC), ThemeStatus.CANDIDATE)
    done = Action(
        theme_id=inside.id,
        description="Add a handover checklist to the duty rota",
        owner="Duty and assessment team",
        due_on=dt.date(2026, 10, 30),
        status=ActionStatus.COMPLETED,
        completed_on=dt.date(2026, 10, 18),
        completion_evidence="Checklist in use since 18 October",
    )
    db.session.add(done)
    for _ in range(6):
        make_report(received_on=dt.date(2026, 10, 3))
    make_report(received_on=dt.date(2026, 10, 4), event_type="good_practice")
    make_report(received_on=dt.date(2026, 9, 30))  # another month

    bulletin = services.assemble_draft(db.session, PERIOD, k=5)
    kinds = [item.kind for item in bulletin.items]
    headings = [item.heading for item in bulletin.items]
    assert "Shift handovers" in headings
    assert "Earlier theme" not in headings
    assert "A candidate" not in headings
    assert kinds.count(ItemKind.ACTION) == 1
    figures = {i.heading: i.body for i in bulletin.items if i.kind == ItemKind.FIGURE}
    assert figures["Reports received"] == "5"  # 7, rounded to the nearest 5 as on the dashboard
    assert figures["Good practice"] == "fewer than 5"
    # One suppressed type would be given away by the total: the next smallest is withheld too.
    assert figures["Near misses"] == "not shown"
    assert figures["Went wrong, no one harmed"] == "0"


def test_one_suppressed_cell_is_never_left_alone_to_be_recovered_by_subtraction(
    app: Flask,
) -> None:
    for _ in range(6):
        make_report(received_on=dt.date(2026, 10, 3))
    for _ in range(7):
        make_report(received_on=dt.date(2026, 10, 3), event_type="no_harm")
    make_report(received_on=dt.date(2026, 10, 4), event_type="good_practice")
    figures = {f.label: f.shown for f in services.month_figures(db.session, PERIOD, 5)}
    assert figures["Good practice"] == "fewer than 5"
    assert figures["Near misses"] == "not shown"  # the smallest other type
    assert figures["Went wrong, no one harmed"] == "5"  # 7, rounded
    assert figures["Reports received"] == "15"  # 14, rounded


def test_stories_use_only_the_deidentified_text(app: Flask) -> None:
    report = deidentified_report("The visit was rearranged in time.")
    raw_only, _ = make_report("Raw narrative naming Bob Jones", received_on=dt.date(2026, 10, 6))
    bulletin = services.assemble_draft(db.session, PERIOD)
    candidates = services.story_candidates(db.session, bulletin)
    assert report in candidates
    assert raw_only not in candidates
    services.pick_stories(db.session, bulletin, [report.id])
    stories = [item for item in bulletin.items if item.kind == ItemKind.STORY]
    assert len(stories) == 1
    assert "[name] at [address]" in stories[0].body
    assert "A checklist." in stories[0].body
    assert "Jane Smith" not in stories[0].body
    with pytest.raises(services.BulletinError, match="de-identified"):
        services.pick_stories(db.session, bulletin, [raw_only.id])
    # Refreshing keeps the pick, and the story follows the reviewer's latest redaction.
    report.redacted = {"narrative": "Updated redaction."}
    refreshed = services.assemble_draft(db.session, PERIOD)
    assert [i.body for i in refreshed.items if i.kind == ItemKind.STORY] == ["Updated redaction."]


def test_the_lead_piece_is_sanitised() -> None:
    html = str(
        services.render_lead(
            "## Hello\n\n<script>alert(1)</script> **bold** [x](javascript:alert(1)) "
            '[ok](https://example.org) <img src=x onerror="alert(1)">'
        )
    )
    assert "<h2>Hello</h2>" in html
    assert "<strong>bold</strong>" in html
    # Raw HTML is shown as text, never run: no tag, no attribute survives.
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://example.org"' in html


def test_a_second_editor_must_approve(app: Flask) -> None:
    first, second = editors()
    bulletin = services.assemble_draft(db.session, PERIOD)
    with pytest.raises(services.BulletinError, match="lead piece"):
        services.submit(bulletin, first)
    services.update_draft(bulletin, "October learning", "Lead.")
    services.submit(bulletin, first)
    with pytest.raises(services.BulletinError, match="second editor"):
        services.approve(bulletin, first)
    with pytest.raises(services.BulletinError, match="approved by a second editor"):
        services.publish(db.session, bulletin, first)
    services.approve(bulletin, second)
    services.publish(db.session, bulletin, second)
    assert bulletin.number == 1
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert "<p>Lead.</p>" in (bulletin.published_html or "")
    assert "Lead." in (bulletin.published_text or "")


def test_the_database_refuses_self_approval_too(app: Flask) -> None:
    first, _ = editors()
    bulletin = services.assemble_draft(db.session, PERIOD)
    bulletin.submitted_by_id = first.id
    bulletin.approved_by_id = first.id
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_published_issue_is_numbered_and_immutable(app: Flask) -> None:
    first = published_issue(dt.date(2026, 9, 1))
    second = published_issue(PERIOD)
    assert (first.number, second.number) == (1, 2)
    frozen = second.published_html
    with pytest.raises(services.BulletinError, match="published"):
        services.update_draft(second, "New title", "New lead")
    with pytest.raises(services.BulletinError, match="published"):
        services.assemble_draft(db.session, PERIOD)
    # Behind the services, the session itself refuses to write a change or a new item.
    second.title = "Rewritten"
    with pytest.raises(PublishedBulletinChanged):
        db.session.flush()
    db.session.rollback()
    db.session.add(BulletinItem(bulletin_id=second.id, kind=ItemKind.STORY, heading="late"))
    with pytest.raises(PublishedBulletinChanged):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Bulletin, second.id).published_html == frozen


def test_public_pages_archive_issue_and_feed(app: Flask, client: FlaskClient) -> None:
    bulletin = published_issue(lead="We **changed** the rota.")
    services.assemble_draft(db.session, dt.date(2026, 11, 1))  # a draft is never public
    db.session.commit()
    archive = client.get("/bulletins").get_data(as_text=True)
    assert f"Issue {bulletin.number}" in archive
    assert "November 2026" not in archive
    page = client.get(f"/bulletins/{bulletin.number}")
    assert page.status_code == 200
    assert "<strong>changed</strong>" in page.get_data(as_text=True)
    assert client.get("/bulletins/99").status_code == 404
    feed = client.get("/bulletins/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    xml = feed.get_data(as_text=True)
    assert 'xmlns="http://www.w3.org/2005/Atom"' in xml
    assert f"/bulletins/{bulletin.number}</id>" in xml
    assert "&lt;strong&gt;changed&lt;/strong&gt;" in xml


def test_the_editors_journey_through_the_pages_is_audited(app: Flask, client: FlaskClient) -> None:
    first, second = editors()
    login(client, first)
    manage = client.get("/bulletins/manage")
    response = client.post(
        "/bulletins/manage/assemble", data={"csrf_token": csrf_token(manage), "month": "2026-10"}
    )
    assert response.status_code == 302
    bulletin = db.session.scalar(sa.select(Bulletin).where(Bulletin.period == PERIOD))
    page = client.get(f"/bulletins/manage/{bulletin.id}")
    token = csrf_token(page)
    bad = client.post(
        f"/bulletins/manage/{bulletin.id}",
        data={"csrf_token": token, "title": "", "lead_markdown": "x"},
    )
    assert "Enter a title" in bad.get_data(as_text=True)
    assert 'value=""' in bad.get_data(as_text=True)
    client.post(
        f"/bulletins/manage/{bulletin.id}",
        data={"csrf_token": token, "title": "October", "lead_markdown": "<b>hi</b> *there*"},
    )
    preview = client.get(f"/bulletins/manage/{bulletin.id}/preview").get_data(as_text=True)
    assert "<em>there</em>" in preview
    assert "<b>hi</b>" not in preview
    email = client.get(f"/bulletins/manage/{bulletin.id}/preview/email").get_data(as_text=True)
    assert "Plain-text part" in email
    assert "*there*" in email
    html = client.get(f"/bulletins/manage/{bulletin.id}/preview/email.html")
    assert "<em>there</em>" in html.get_data(as_text=True)
    client.post(f"/bulletins/manage/{bulletin.id}/submit", data={"csrf_token": token})
    refused = client.post(f"/bulletins/manage/{bulletin.id}/approve", data={"csrf_token": token})
    assert "A second editor must approve" in refused.get_data(as_text=True)

    client.post("/logout", data={"csrf_token": token})
    login(client, second)
    token = csrf_token(client.get(f"/bulletins/manage/{bulletin.id}"))
    client.post(f"/bulletins/manage/{bulletin.id}/approve", data={"csrf_token": token})
    client.post(f"/bulletins/manage/{bulletin.id}/publish", data={"csrf_token": token})
    bulletin = db.session.get(Bulletin, bulletin.id)
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert bulletin.number == 1
    edited = client.post(
        f"/bulletins/manage/{bulletin.id}",
        data={"csrf_token": token, "title": "Changed", "lead_markdown": "x"},
    )
    assert "cannot be changed" in edited.get_data(as_text=True)
    verbs = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "bulletin", AuditEvent.object_id == str(bulletin.id)
        )
    ).all()
    for verb in ("assemble", "update", "submit", "approve", "publish", "read"):
        assert verb in verbs


def test_the_story_picker_shows_date_theme_and_a_readable_excerpt(
    app: Flask, client: FlaskClient
) -> None:
    from learnhub.themes.models import ThemeMember
    from learnhub.themes.sharing import shared_themes

    long_text = "The duty manager rang back before the visit. " * 12
    report = deidentified_report(long_text)
    theme = accepted_theme("Handovers", dt.datetime(2026, 10, 3, tzinfo=dt.UTC))
    db.session.add(ThemeMember(theme_id=theme.id, report_id=report.id))
    db.session.commit()
    shown_title = shared_themes(db.session, [theme])[theme.id].title
    bulletin = services.assemble_draft(db.session, PERIOD)
    db.session.commit()
    bulletin_id = bulletin.id
    editor, _ = editors()
    login(client, editor)
    page = client.get(f"/bulletins/manage/{bulletin_id}").get_data(as_text=True)
    assert "Happened in September 2026" in page
    assert "de-identified 20 October 2026" in page
    assert f"Theme: {shown_title}" in page
    label = re.search(rf'for="story-{report.id}">([^<]*)</label>', page)
    assert label
    excerpt = label.group(1)
    assert excerpt.endswith("…")
    full = " ".join(f"[name] at [address]. {long_text}".split())
    cut = excerpt[:-1]
    assert full.startswith(cut)
    assert 120 < len(cut) <= services.EXCERPT_LENGTH
    assert full[len(cut)] in " .,;:"  # cut between words, never inside one
    assert "Read the whole story" in page
