"""Taxonomy pages and API: the public browser and search, one code's page, the administrator's
versions and activating a draft through the form, and the JSON endpoints.

These need the ``taxonomy`` blueprint registered in create_app and ``learnhub.api.taxonomy``
imported before the API blueprint is registered.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.audit.models import AuditEvent
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.taxonomy import versions
from learnhub.taxonomy.catalogue import parse_catalogue
from learnhub.taxonomy.models import TaxonomyVersion, VersionStatus
from learnhub.taxonomy.services import active_version, codes_by_tier, packaged_catalogue
from tests.factories import csrf_token, login, make_user

pytestmark = pytest.mark.usefixtures("app")

NEW_TITLE = "Multi-agency information did not reach the meeting"


def page_text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def active() -> TaxonomyVersion:
    version = active_version(db.session)
    assert version is not None
    return version


def draft_v2() -> TaxonomyVersion:
    """A draft where PRE-TEAM-2 and PRE-TEAM-3 become PRE-TEAM-6, and SUP-5 is dropped."""
    data = packaged_catalogue().to_data()
    data["notes"] = "Multi-agency codes merged."
    codes: list[dict[str, Any]] = data["codes"]
    at = next(index for index, code in enumerate(codes) if code["code"] == "PRE-TEAM-2")
    merged = {**codes[at], "code": "PRE-TEAM-6", "title": NEW_TITLE}
    dropped = {"PRE-TEAM-2", "PRE-TEAM-3", "SUP-5"}
    data["codes"] = [*codes[:at], merged, *(c for c in codes[at:] if c["code"] not in dropped)]
    draft = versions.draft_version(db.session, parse_catalogue(json.dumps(data)))
    db.session.commit()
    return draft


def status_of(number: int) -> VersionStatus:
    db.session.expire_all()
    version = versions.version_by_number(db.session, number)
    assert version is not None
    return version.status


@pytest.fixture
def admin(client: FlaskClient) -> User:
    user = make_user(Role.ADMIN)
    login(client, user)
    return user


# --- the public browser ------------------------------------------------------------------------


def test_the_browser_shows_every_tier_and_code_with_its_prompt(client: FlaskClient) -> None:
    response = client.get("/taxonomy")

    assert response.status_code == 200
    body = page_text(response)
    for tier, codes in codes_by_tier(active()):
        assert tier.title in body
        assert tier.reporter_heading in body
        for code in codes:
            assert code.title in body
            assert code.prompt in body
            assert f'href="/taxonomy/{code.code}"' in body
    assert '<form method="get" action="/taxonomy"' in body
    assert 'name="q"' in body


def test_search_keeps_only_the_codes_whose_words_match(client: FlaskClient) -> None:
    response = client.get("/taxonomy?q=interpreter+language")

    body = page_text(response)
    assert response.status_code == 200
    assert "1 factor matches “interpreter language”" in body
    assert "Language, communication or interpreter needs got in the way" in body
    assert "The recording system made the history hard to see" not in body
    assert 'value="interpreter language"' in body
    assert "Show all factors" in body
    assert "3 factors match “interpreter”" in page_text(client.get("/taxonomy?q=interpreter"))


def test_search_needs_every_word(client: FlaskClient) -> None:
    several = page_text(client.get("/taxonomy?q=supervision"))
    narrowed = page_text(client.get("/taxonomy?q=supervision+reflect"))
    nothing = page_text(client.get("/taxonomy?q=zebra+crossing"))

    assert "Supervision was too rare or kept being moved" in several
    assert "Supervision was a to-do list, with no room to reflect" in narrowed
    assert "Supervision was too rare or kept being moved" not in narrowed
    assert "No factors match “zebra crossing”" in nothing


def test_search_text_is_escaped(client: FlaskClient) -> None:
    body = client.get("/taxonomy?q=<script>").get_data(as_text=True)

    assert "<script>" not in body.split("</header>", 1)[1].split("<script type=")[0]
    assert "&lt;script&gt;" in body


def test_one_code_has_its_own_page(client: FlaskClient) -> None:
    code = next(code for code in active().codes if code.code == "ACT-SKILL-1")

    response = client.get("/taxonomy/ACT-SKILL-1")

    body = page_text(response)
    assert response.status_code == 200
    for text in (code.title, code.definition, code.prompt, code.category, code.ycff_domain):
        assert text in body
    assert "Acts and decisions in the work" in body  # the tier
    assert "Visits not booked" in body  # includes
    assert all(example in body for example in code.examples)
    # Codes named in "use it for" and "not for" link to their own pages.
    raw = response.get_data(as_text=True)
    assert 'Use <a class="govuk-link" href="/taxonomy/ACT-SKILL-2"' in raw
    assert 'href="/taxonomy/PRE-TEAM-1"' in raw


def test_an_unknown_code_is_not_found(client: FlaskClient) -> None:
    assert client.get("/taxonomy/NOPE-1").status_code == 404
    lower = client.get("/taxonomy/act-skill-1")
    assert lower.status_code == 301
    assert lower.headers["Location"] == "/taxonomy/ACT-SKILL-1"


def test_a_drafts_codes_are_not_public(client: FlaskClient) -> None:
    draft_v2()

    assert client.get("/taxonomy/PRE-TEAM-6").status_code == 404
    assert NEW_TITLE not in page_text(client.get("/taxonomy"))


# --- administrators' pages ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.EDITOR, Role.LEADER])
def test_only_administrators_see_the_versions(client: FlaskClient, role: Role) -> None:
    login(client, make_user(role))

    assert client.get("/admin/taxonomy").status_code == 403
    assert client.get(f"/admin/taxonomy/{active().number}").status_code == 403
    assert client.post(f"/admin/taxonomy/{active().number}/activate").status_code == 403


def test_strangers_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/taxonomy")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")


def test_the_versions_list_shows_status_codes_and_dates(client: FlaskClient, admin: User) -> None:
    draft = draft_v2().number
    current = active().number
    code_count = len(active().codes)

    body = page_text(client.get("/admin/taxonomy"))

    assert f'href="/admin/taxonomy/{draft}">Version {draft}</a>' in body
    assert f'href="/admin/taxonomy/{current}">Version {current}</a>' in body
    assert body.index(f"Version {draft}<") < body.index(f"Version {current}<")
    assert "Draft" in body
    assert "Active" in body
    assert f">{code_count}<" in body
    assert "Never" in body  # the draft has not been activated


def test_the_active_version_page_lists_its_codes_without_a_form(
    client: FlaskClient, admin: User
) -> None:
    current = active()

    body = page_text(client.get(f"/admin/taxonomy/{current.number}"))

    assert all(code.code in body for code in current.codes)
    assert "/activate" not in body
    assert client.get("/admin/taxonomy/999").status_code == 404


def test_a_draft_page_shows_the_diff_and_asks_about_each_removed_code(
    client: FlaskClient, admin: User
) -> None:
    draft = draft_v2()

    body = page_text(client.get(f"/admin/taxonomy/{draft.number}"))

    assert f"Changes from version {active().number} (active)" in body
    assert f"PRE-TEAM-6</strong> {NEW_TITLE}" in body
    for removed in ("PRE-TEAM-2", "PRE-TEAM-3", "SUP-5"):
        assert f'name="action-{removed}"' in body
        assert f'name="to-{removed}"' in body
    assert 'name="action-PRE-TEAM-1"' not in body
    assert f'action="/admin/taxonomy/{draft.number}/activate"' in body
    assert f"Activate version {draft.number}" in body
    assert 'name="csrf_token"' in body


def activate_form(client: FlaskClient, number: int, **answers: str) -> TestResponse:
    page = client.get(f"/admin/taxonomy/{number}")
    fields = {name.replace("_", "-"): value for name, value in answers.items()}
    return client.post(
        f"/admin/taxonomy/{number}/activate", data={**fields, "csrf_token": csrf_token(page)}
    )


def test_missing_and_unknown_answers_are_shown_per_field_and_kept(
    client: FlaskClient, admin: User
) -> None:
    fields_in_order = ["to-PRE-TEAM-2", "to-PRE-TEAM-3", "action-SUP-5"]
    draft = draft_v2()
    before = active()

    response = activate_form(
        client,
        draft.number,
        action_PRE_TEAM_2="map",
        to_PRE_TEAM_2="pre-team-6, NOPE-7",
        action_PRE_TEAM_3="map",
        to_PRE_TEAM_3="",
    )

    body = page_text(response)
    assert response.status_code == 200
    assert "<title>Error: " in body
    assert "There is a problem" in body
    assert 'href="#action-SUP-5"' in body
    assert "Choose what happens to reports coded SUP-5" in body
    assert f"Enter the version {draft.number} codes that PRE-TEAM-3 becomes" in body
    assert f"PRE-TEAM-2: NOPE-7 is not in version {draft.number}" in body
    # Every problem at once, in the order of the page.
    summary = body.split("There is a problem", 1)[1].split("</ul>", 1)[0]
    assert [summary.index(f'href="#{field}"') for field in fields_in_order] == sorted(
        summary.index(f'href="#{field}"') for field in fields_in_order
    )
    assert 'value="pre-team-6, NOPE-7"' in body
    assert active().id == before.id
    assert status_of(draft.number) is VersionStatus.DRAFT

    unknown = activate_form(
        client,
        draft.number,
        action_PRE_TEAM_2="map",
        to_PRE_TEAM_2="pre-team-6, NOPE-7",
        action_PRE_TEAM_3="map",
        to_PRE_TEAM_3="PRE-TEAM-6",
        action_SUP_5="retire",
    )
    assert f"PRE-TEAM-2: NOPE-7 is not in version {draft.number}" in page_text(unknown)
    assert 'href="#to-PRE-TEAM-2"' in page_text(unknown)
    assert active().id == before.id


def test_an_administrator_activates_a_draft_through_the_form(
    client: FlaskClient, admin: User
) -> None:
    draft = draft_v2()
    before = active()

    response = activate_form(
        client,
        draft.number,
        action_PRE_TEAM_2="map",
        to_PRE_TEAM_2="PRE-TEAM-6",
        action_PRE_TEAM_3="map",
        to_PRE_TEAM_3="pre-team-6",
        action_SUP_5="retire",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/taxonomy/{draft.number}"
    shown = page_text(client.get(response.headers["Location"]))
    assert f"Version {draft.number} is now the active taxonomy." in shown
    db.session.expire_all()
    assert active().id == draft.id
    assert db.session.get(TaxonomyVersion, before.id).status is VersionStatus.RETIRED
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "activate")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (
        admin.id,
        "taxonomy_version",
        str(draft.number),
    )
    assert event.details["mapped"] == {
        "PRE-TEAM-2": ["PRE-TEAM-6"],
        "PRE-TEAM-3": ["PRE-TEAM-6"],
    }
    assert event.details["retired"] == ["SUP-5"]
    assert NEW_TITLE in page_text(client.get("/taxonomy"))


def test_activation_without_the_csrf_token_is_refused(client: FlaskClient, admin: User) -> None:
    draft = draft_v2()

    response = client.post(f"/admin/taxonomy/{draft.number}/activate", data={})

    assert response.status_code == 400
    assert status_of(draft.number) is VersionStatus.DRAFT


def test_an_active_version_cannot_be_activated_again(client: FlaskClient, admin: User) -> None:
    current = active()
    page = client.get(f"/admin/taxonomy/{current.number}")

    response = client.post(
        f"/admin/taxonomy/{current.number}/activate", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 200
    assert "only a draft can be activated" in page_text(response)


# --- the API ----------------------------------------------------------------------------------


def test_the_api_gives_the_active_version_with_tiers_and_codes(client: FlaskClient) -> None:
    current = active()

    response = client.get("/api/v1/taxonomy")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["number"], body["label"]) == (current.number, current.label)
    catalogue = packaged_catalogue()
    assert body["tiers"] == [
        {
            "key": tier.key,
            "title": tier.title,
            "reporter_heading": tier.reporter_heading,
            "description": tier.description,
        }
        for tier in catalogue.tiers
    ]
    assert [code["code"] for code in body["codes"]] == [code.code for code in catalogue.codes]
    first, spec = body["codes"][0], catalogue.codes[0]
    assert first == {
        "code": spec.code,
        "tier": spec.tier,
        "category": spec.category,
        "title": spec.title,
        "definition": spec.definition,
        "prompt": spec.prompt,
        "includes": spec.includes,
        "excludes": spec.excludes,
        "examples": list(spec.examples),
        "ycff_domain": spec.ycff_domain,
    }


def test_the_api_lists_every_version(client: FlaskClient) -> None:
    draft = draft_v2()
    current = active()

    response = client.get("/api/v1/taxonomy/versions")

    assert response.status_code == 200
    listed = response.get_json()["versions"]
    assert [version["number"] for version in listed[:2]] == [draft.number, current.number]
    assert listed[0]["status"] == "draft"
    assert listed[0]["activated_at"] is None
    assert listed[0]["code_count"] == len(draft.codes)
    assert listed[1]["status"] == "active"
    assert listed[1]["activated_at"] is not None
    assert set(listed[0]) == {
        "number",
        "label",
        "status",
        "created_at",
        "activated_at",
        "code_count",
    }


def test_the_api_says_when_no_version_is_active(client: FlaskClient) -> None:
    db.session.execute(sa.update(TaxonomyVersion).values(status=VersionStatus.RETIRED))
    db.session.commit()

    response = client.get("/api/v1/taxonomy")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "No taxonomy version is active."
