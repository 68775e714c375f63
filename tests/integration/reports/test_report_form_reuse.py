"""The report form keeps the HTML of its blank questions in the reference cache
(reports.views.render_blank_form, learnhub.core.cache): what it reuses must never show stale
wording for longer than the cache allows, lose what a reporter ticked, or hide an error."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from learnhub.core.cache import REFERENCE_SECONDS, reference_cache
from learnhub.core.extensions import db
from learnhub.reports.models import ServiceArea
from learnhub.taxonomy.catalogue import parse_catalogue
from learnhub.taxonomy.services import activate_version, load_version, packaged_catalogue
from tests.factories import ManualClock, csrf_token
from tests.integration.reports.helpers import answers

NEW_PROMPT = "A reworded prompt only the new taxonomy version has"


def test_a_new_taxonomy_version_shows_its_wording_at_once(client: FlaskClient) -> None:
    first = client.get("/report").get_data(as_text=True)
    assert NEW_PROMPT not in first
    data = packaged_catalogue().to_data()
    data["notes"] = "Reworded for this test."
    data["codes"][0]["prompt"] = NEW_PROMPT
    activate_version(
        db.session, load_version(db.session, parse_catalogue(json.dumps(data)), activate=False)
    )
    db.session.flush()

    assert NEW_PROMPT in client.get("/report").get_data(as_text=True)


def test_a_new_service_area_is_offered_at_once(client: FlaskClient) -> None:
    client.get("/report")
    db.session.add(ServiceArea(slug="test-harbour-team", name="Harbour team", position=99))
    db.session.flush()

    body = client.get("/report").get_data(as_text=True)
    assert 'value="test-harbour-team"' in body
    assert "Harbour team" in body


def fostering() -> ServiceArea:
    area = db.session.scalar(sa.select(ServiceArea).where(ServiceArea.slug == "fostering"))
    assert area is not None
    return area


def test_a_service_area_changed_here_is_shown_changed_at_once(client: FlaskClient) -> None:
    client.get("/report")
    fostering().name = "Fostering, adoption and kinship care"
    db.session.commit()

    assert "Fostering, adoption and kinship care" in client.get("/report").get_data(as_text=True)
    fostering().is_active = False
    db.session.commit()
    assert 'value="fostering"' not in client.get("/report").get_data(as_text=True)


def test_a_change_made_by_another_process_is_seen_once_the_cache_expires(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()
    monkeypatch.setattr(reference_cache(), "clock", clock)
    client.get("/report")
    # Plain SQL, as another worker or a database console would change it: this process's
    # ORM never sees it, so only the cache's age brings it in.
    db.session.execute(
        sa.text("UPDATE service_areas SET name = 'Harbour fostering' WHERE slug = 'fostering'")
    )
    db.session.commit()

    clock.now += REFERENCE_SECONDS - 1
    assert "Harbour fostering" not in client.get("/report").get_data(as_text=True)
    clock.now += 2
    assert "Harbour fostering" in client.get("/report").get_data(as_text=True)


def test_going_back_to_change_keeps_the_ticks_and_answers(client: FlaskClient) -> None:
    blank = client.get("/report")
    code = packaged_catalogue().codes[0].code
    data = {**answers(), "factors": code, "csrf_token": csrf_token(blank), "change": "narrative"}
    body = client.post("/report", data=data, follow_redirects=True).get_data(as_text=True)

    assert f'value="{code}" checked' in body
    assert answers()["what_stopped_it"] in body
    # The blank form served next to another browser is still blank.
    again = client.application.test_client().get("/report").get_data(as_text=True)
    assert " checked" not in again
    assert answers()["what_stopped_it"] not in again


def test_errors_are_shown_on_the_form_after_a_blank_one_was_served(client: FlaskClient) -> None:
    blank = client.get("/report")
    data = {**answers(narrative="", event_type=""), "csrf_token": csrf_token(blank)}
    body = client.post("/report", data=data, follow_redirects=True).get_data(as_text=True)

    assert "Tell us what happened" in body
    assert "govuk-error-message" in body
    assert "govuk-error-message" not in client.get("/report").get_data(as_text=True)
