"""The panel's theme pages: candidates, the evidence for one, accepting, merging, dismissing,
learning status, and the leaders' read-only page with small counts hidden."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import LearningStatus, Theme, ThemeMember, ThemeStatus
from tests.factories import csrf_token, login, make_user
from tests.themes_data import make_theme, member_reports


def audited(action: str, object_type: str, object_id: object) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == action,
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == str(object_id),
            )
        )
    )


@pytest.fixture
def reviewer(client: FlaskClient) -> FlaskClient:
    login(client, make_user(Role.REVIEWER))
    return client


def post_form(client: FlaskClient, theme: Theme, action: str, data: dict[str, str]) -> object:
    page = client.get(f"/themes/{theme.id}")
    return client.post(
        f"/themes/{theme.id}/{action}", data={**data, "csrf_token": csrf_token(page)}
    )


def test_candidates_list_rising_first_then_strongest(reviewer: FlaskClient) -> None:
    reports = member_reports(6)
    weak = make_theme(reports[:3], signature="t:weak", lift=2.0, title="Weak steady theme")
    strong = make_theme(reports[3:], signature="t:strong", lift=9.0, title="Strong steady theme")
    rising = make_theme(reports, signature="t:rising", lift=1.6, rising=True, title="Rising one")
    make_theme(reports[:3], signature="t:gone", status=ThemeStatus.DISMISSED, title="Gone theme")

    body = reviewer.get("/themes/").get_data(as_text=True)

    order = [body.index(t.title) for t in (rising, strong, weak)]
    assert order == sorted(order)
    assert "Gone theme" not in body
    assert f'href="/themes/{rising.id}"' in body
    assert audited("read", "theme_list", "candidate")


def test_the_evidence_page_shows_members_months_codes_excerpts_and_statistics(
    reviewer: FlaskClient,
) -> None:
    reports = member_reports(7, deidentified=2)
    theme = make_theme(reports, signature="t:evidence", rising=True)

    response = reviewer.get(f"/themes/{theme.id}")
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    for report in reports:
        assert f'href="/review/reports/{report.reference}"' in body
    # Codes with their titles from the active taxonomy, and the distinctive words.
    assert "PRE-TEAM-1</a>: " in body
    assert "handover, note" in body
    # A table of monthly counts, and a chart drawn on the server without inline style.
    assert "June 2026" in body
    assert "September 2026" in body
    assert "<svg" in body
    assert 'role="img"' in body
    assert not re.search(r"<[^>]+\sstyle=", body)
    assert "<script>" not in body
    # Only reviewer-confirmed redacted text is quoted; the raw answers never are.
    assert "Redacted story 0" in body
    assert "Redacted story 1" in body
    assert "Raw story" not in body
    assert "Jayden" not in body
    assert "5 of the 7 reports are not de-identified yet" in body
    # Statistics in plain words.
    assert "3.00 times as many reports as chance predicts" in body
    assert "Benjamini-Hochberg" in body
    assert "Rising: 6 reports in the last 3" in body
    assert audited("read", "theme", theme.id)


def test_an_unknown_theme_is_not_found(reviewer: FlaskClient) -> None:
    assert reviewer.get("/themes/999999").status_code == 404
    assert reviewer.get("/themes/99999999999999999999").status_code == 404


def test_accepting_a_candidate_records_title_summary_owner(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(4), signature="t:accept")

    response = post_form(
        reviewer,
        theme,
        "accept",
        {
            "title": "Handovers lost between duty and long-term teams",
            "summary": "Notes go missing when a case moves team.",
            "owner": "Head of service, assessment",
            "learning_status": "active_learning",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    accepted = db.session.get(Theme, theme.id)
    assert accepted.status is ThemeStatus.ACCEPTED
    assert accepted.learning_status is LearningStatus.ACTIVE_LEARNING
    assert accepted.owner == "Head of service, assessment"
    assert accepted.decided_at is not None
    assert audited("update", "theme", theme.id)[0].details["decision"] == "accept"
    page = reviewer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Theme accepted" in page
    assert "Notes go missing when a case moves team." in page


def test_accepting_without_an_owner_keeps_what_was_typed(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(3), signature="t:accept-bad")

    response = post_form(
        reviewer,
        theme,
        "accept",
        {"title": "My typed title", "summary": "My typed summary", "owner": " "},
    )
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'href="#owner"' in body
    assert "Enter the team or role that owns the theme" in body
    assert 'value="My typed title"' in body
    assert "My typed summary" in body
    assert "<title>Error:" in body
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).status is ThemeStatus.CANDIDATE


def test_a_theme_already_decided_cannot_be_accepted_again(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(3), signature="t:twice")
    page = reviewer.get(f"/themes/{theme.id}")
    token = csrf_token(page)
    db.session.get(Theme, theme.id).status = ThemeStatus.DISMISSED
    db.session.commit()

    response = reviewer.post(
        f"/themes/{theme.id}/accept",
        data={"title": "T", "summary": "S", "owner": "O", "csrf_token": token},
    )

    assert response.status_code == 200
    assert "Only a candidate theme can be accepted" in response.get_data(as_text=True)


def test_merging_moves_members_and_codes_into_the_other_theme(reviewer: FlaskClient) -> None:
    reports = member_reports(8)
    target = make_theme(reports[:5], signature="t:target", codes=("PRE-TEAM-1",))
    source = make_theme(reports[3:], signature="t:source", codes=("PRE-TEAM-1", "ORG-1"))

    response = post_form(reviewer, source, "merge", {"into": str(target.id)})

    assert response.status_code == 302
    db.session.expire_all()
    merged, grown = db.session.get(Theme, source.id), db.session.get(Theme, target.id)
    assert merged.status is ThemeStatus.MERGED
    assert merged.merged_into_id == target.id
    assert merged.dismissed_member_count == 5
    members = set(
        db.session.scalars(
            sa.select(ThemeMember.report_id).where(ThemeMember.theme_id == target.id)
        )
    )
    assert members == {r.id for r in reports}
    assert grown.member_count == 8
    assert sum(grown.monthly_counts.values()) == 8
    assert grown.defining_codes == ["PRE-TEAM-1", "ORG-1"]
    page = reviewer.get(f"/themes/{source.id}").get_data(as_text=True)
    assert f'href="/themes/{target.id}"' in page


def test_merging_needs_a_theme_from_the_list(reviewer: FlaskClient) -> None:
    source = make_theme(member_reports(3), signature="t:lonely")
    make_theme(member_reports(3), signature="t:other")

    for value, message in (
        ("", "Choose a theme to merge this one into"),
        ("12345", "from the list"),
    ):
        body = post_form(reviewer, source, "merge", {"into": value}).get_data(as_text=True)
        assert message in body
        assert 'href="#into"' in body
    db.session.expire_all()
    assert db.session.get(Theme, source.id).status is ThemeStatus.CANDIDATE


def test_dismissing_needs_a_reason_and_records_the_size(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(4), signature="t:dismiss")

    body = post_form(reviewer, theme, "dismiss", {"reason": ""}).get_data(as_text=True)
    assert "Enter why the panel is dismissing this theme" in body

    response = post_form(reviewer, theme, "dismiss", {"reason": "Coding artefact, not practice"})
    assert response.status_code == 302
    db.session.expire_all()
    dismissed = db.session.get(Theme, theme.id)
    assert dismissed.status is ThemeStatus.DISMISSED
    assert dismissed.dismissed_reason == "Coding artefact, not practice"
    assert dismissed.dismissed_member_count == 4
    assert "Coding artefact, not practice" in reviewer.get(f"/themes/{theme.id}").get_data(
        as_text=True
    )


def test_a_form_sent_without_its_csrf_token_changes_nothing(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(3), signature="t:csrf")
    response = reviewer.post(f"/themes/{theme.id}/dismiss", data={"reason": "forged"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).status is ThemeStatus.CANDIDATE


def test_the_panel_changes_an_accepted_themes_learning_status(reviewer: FlaskClient) -> None:
    theme = make_theme(
        member_reports(3),
        signature="t:learning",
        status=ThemeStatus.ACCEPTED,
        learning_status=LearningStatus.MONITORING,
        owner="Practice development",
    )

    bad = post_form(reviewer, theme, "learning-status", {"learning_status": "forgotten"})
    assert "Choose monitoring, active learning or closed" in bad.get_data(as_text=True)

    response = post_form(reviewer, theme, "learning-status", {"learning_status": "closed"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).learning_status is LearningStatus.CLOSED

    listing = reviewer.get("/themes/accepted?learning_status=closed").get_data(as_text=True)
    assert theme.title in listing
    monitoring = reviewer.get("/themes/accepted?learning_status=monitoring").get_data(as_text=True)
    assert theme.title not in monitoring
    assert reviewer.get("/themes/accepted?learning_status=nonsense").status_code == 404


def test_leaders_read_accepted_themes_as_figures_with_small_counts_hidden(
    client: FlaskClient,
) -> None:
    small = make_theme(
        member_reports(3, deidentified=3),
        signature="t:small",
        status=ThemeStatus.ACCEPTED,
        title="Small accepted theme",
        summary="A few reports about handovers.",
        owner="Duty team manager",
        learning_status=LearningStatus.MONITORING,
    )
    make_theme(member_reports(2), signature="t:cand", title="Not yet accepted")
    login(client, make_user(Role.LEADER))

    body = client.get("/themes/learning").get_data(as_text=True)

    assert small.title in body
    assert "Duty team manager" in body
    assert "fewer than 5" in body
    assert "Not yet accepted" not in body
    assert "/review/reports/" not in body
    assert "Redacted story" not in body
    assert client.get("/themes/").status_code == 403
    assert client.get(f"/themes/{small.id}").status_code == 403
    assert audited("read", "theme_list", "learning")


@pytest.mark.usefixtures("app")
def test_a_reports_themes_are_its_open_ones() -> None:
    from learnhub.themes.triage import themes_for_report

    reports = member_reports(3)
    accepted = make_theme(reports, signature="r:acc", status=ThemeStatus.ACCEPTED, title="A")
    candidate = make_theme(reports[:2], signature="r:cand", title="B")
    make_theme(reports, signature="r:gone", status=ThemeStatus.DISMISSED, title="C")

    assert [t.id for t in themes_for_report(db.session, reports[0])] == [accepted.id, candidate.id]
    assert [t.id for t in themes_for_report(db.session, reports[2])] == [accepted.id]


def test_a_theme_title_with_a_line_break_is_refused_and_kept_on_the_form(
    reviewer: FlaskClient,
) -> None:
    theme = make_theme(member_reports(3), signature="t:accept-newline")
    response = post_form(
        reviewer,
        theme,
        "accept",
        {"title": "Two\nlines", "summary": "My typed summary", "owner": "Front door"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Title must be one line" in body
    assert "My typed summary" in body
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).status is ThemeStatus.CANDIDATE
