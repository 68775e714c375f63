"""An organisation's own taxonomy in the simple file format: loaded and compared with the
``learnhub taxonomy`` command, activated in place of the built-in one with --retire-unmapped,
and shown to reporters under its own headings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.rollups import refresh
from learnhub.taxonomy import versions
from learnhub.taxonomy.models import (
    FactorSource,
    ReportFactor,
    TaxonomyVersion,
    VersionStatus,
)
from learnhub.taxonomy.services import active_version, codes_by_tier, packaged_catalogue
from learnhub.taxonomy.simple_format import read_taxonomy_file
from tests.factories import csrf_token, login, make_report, make_user
from tests.integration.dashboard.helpers import filed
from tests.taxonomy_files import SAFENET_ROWS, write_safenet_csv

pytestmark = pytest.mark.usefixtures("app")

BUILT_IN_CODES = len(packaged_catalogue().codes)


@pytest.fixture
def safenet_file(tmp_path: Path) -> Path:
    return write_safenet_csv(tmp_path / "safenet-labels.csv")


def built_in() -> TaxonomyVersion:
    version = active_version(db.session)
    assert version is not None
    assert version.checksum == packaged_catalogue().checksum
    return version


def the_active_version() -> TaxonomyVersion:
    version = active_version(db.session)
    assert version is not None
    return version


def tick(report_id: int, version: TaxonomyVersion, code_id: str) -> None:
    code = next(code for code in version.codes if code.code == code_id)
    db.session.add(ReportFactor(report_id=report_id, code_id=code.id, source=FactorSource.REPORTER))
    db.session.commit()


def last_event() -> AuditEvent:
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def test_load_reads_the_simple_file_and_shows_what_it_replaces(
    runner: FlaskCliRunner, safenet_file: Path
) -> None:
    old = built_in()

    result = runner.invoke(args=["taxonomy", "load", str(safenet_file)])

    assert result.exit_code == 0, result.output
    draft = versions.version_by_checksum(db.session, read_taxonomy_file(safenet_file).checksum)
    assert draft is not None
    assert draft.status is VersionStatus.DRAFT
    assert draft.label == "safenet-labels"
    assert [code.code for code in draft.codes] == [row[0] for row in SAFENET_ROWS]
    assert f"as version {draft.number} (draft, {len(SAFENET_ROWS)} codes)" in result.output
    assert f"Compared with version {old.number} (active):" in result.output
    assert f"  Added ({len(SAFENET_ROWS)}):\n    HF-1  Decision Making" in result.output
    assert f"  Removed ({BUILT_IN_CODES}):" in result.output


def test_activate_retire_unmapped_replaces_the_whole_taxonomy_in_one_command(
    runner: FlaskCliRunner, safenet_file: Path
) -> None:
    old = built_in()
    missed_step, _ = make_report("A step was missed before the burn.")
    supervision, _ = make_report("Nobody checked the plan.")
    tick(missed_step.id, old, "ACT-SKILL-1")
    tick(supervision.id, old, "SUP-1")
    assert runner.invoke(args=["taxonomy", "load", str(safenet_file)]).exit_code == 0
    draft = versions.version_by_checksum(db.session, read_taxonomy_file(safenet_file).checksum)
    assert draft is not None

    refused = runner.invoke(args=["taxonomy", "activate", str(draft.number)])
    assert refused.exit_code == 1
    assert "or retire every one left unmapped with --retire-unmapped" in refused.output
    assert active_version(db.session) == old

    result = runner.invoke(
        args=[
            "taxonomy",
            "activate",
            str(draft.number),
            "--map",
            "ACT-SKILL-1=HF-5",
            "--retire-unmapped",
        ]
    )

    assert result.exit_code == 0, result.output
    assert f"Version {draft.number} is active; version {old.number} is retired" in result.output
    assert f"{BUILT_IN_CODES - 1} retired: ACT-SKILL-2, " in result.output
    db.session.expire_all()
    assert active_version(db.session) == draft
    event = last_event()
    assert (event.action, event.object_id) == ("activate", str(draft.number))
    assert event.details["via"] == "cli"
    assert event.details["retire_unmapped"] is True
    assert event.details["mapped"] == {"ACT-SKILL-1": ["HF-5"]}
    assert len(event.details["retired"]) == BUILT_IN_CODES - 1
    assert "SUP-1" in event.details["retired"]
    # The mapped code's report counts under its new code; the retired one's counts nowhere.
    assert versions.report_codes_in(db.session, draft) == {missed_step.id: frozenset({"HF-5"})}


def test_without_the_flag_activation_is_as_before(safenet_file: Path) -> None:
    built_in()
    draft = versions.draft_version(db.session, read_taxonomy_file(safenet_file))

    with pytest.raises(versions.MappingInvalid) as caught:
        versions.activate(db.session, draft, {})

    assert len(caught.value.unmapped) == BUILT_IN_CODES


def test_reporters_see_the_organisations_own_headings_and_words(
    client: FlaskClient, safenet_file: Path
) -> None:
    draft = versions.draft_version(db.session, read_taxonomy_file(safenet_file))
    versions.activate(db.session, draft, {}, retire_unmapped=True)
    db.session.commit()

    headings = [(tier.key, tier.reporter_heading) for tier, _ in codes_by_tier(draft)]
    form = client.get("/report").get_data(as_text=True)
    browse = client.get("/taxonomy").get_data(as_text=True)

    assert headings == [
        ("human_factors", "Human Factors"),
        ("contributing_factors", "Contributing Factors"),
    ]
    assert "Contributing Factors</span>" in form
    assert "Crew members were tired from long shifts." in form
    assert "A step was missed or forgotten" not in form
    assert "Fire Behavior" in browse


def test_with_no_taxonomy_the_form_asks_in_words_only(client: FlaskClient) -> None:
    built_in().status = VersionStatus.RETIRED
    db.session.commit()

    form = client.get("/report").get_data(as_text=True)

    assert 'name="factors"' not in form
    assert "Open any of these and tick" not in form
    assert 'name="what_made_it_likely"' in form


def test_a_bad_simple_file_is_refused_line_by_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text(
        "code,tier,title,definition\nHF-1,Human Factors,Fatigue,Tired\nHF-1,,Again,\n",
        encoding="utf-8",
    )
    before = len(versions.version_summaries(db.session))

    result = runner.invoke(args=["taxonomy", "load", str(bad)])

    assert result.exit_code == 1
    assert "- line 3 (HF-1): definition is empty" in result.output
    assert "Error: labels.csv is not a valid taxonomy catalogue (1 problem(s)" in result.output
    assert len(versions.version_summaries(db.session)) == before


def test_an_administrator_replaces_the_taxonomy_through_the_form(
    client: FlaskClient, safenet_file: Path
) -> None:
    old = built_in()
    admin = make_user(Role.ADMIN)
    login(client, admin)
    draft = versions.draft_version(db.session, read_taxonomy_file(safenet_file))
    db.session.commit()
    page = client.get(f"/admin/taxonomy/{draft.number}")
    assert "Retire every removed code I leave unanswered" in page.get_data(as_text=True)
    answers = {"action-PRE-TEAM-2": "map", "to-PRE-TEAM-2": "cf-1"}

    unticked = client.post(
        f"/admin/taxonomy/{draft.number}/activate",
        data={**answers, "csrf_token": csrf_token(page)},
    )
    assert unticked.status_code == 200
    assert "Choose what happens to reports coded SUP-5" in unticked.get_data(as_text=True)

    response = client.post(
        f"/admin/taxonomy/{draft.number}/activate",
        data={**answers, "retire_unmapped": "yes", "csrf_token": csrf_token(page)},
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert the_active_version().id == draft.id
    assert db.session.get(TaxonomyVersion, old.id).status is VersionStatus.RETIRED
    event = last_event()
    assert (event.actor_id, event.action, event.object_id) == (
        admin.id,
        "activate",
        str(draft.number),
    )
    assert event.details["via"] == "web"
    assert event.details["retire_unmapped"] is True
    assert event.details["mapped"] == {"PRE-TEAM-2": ["CF-1"]}
    assert len(event.details["retired"]) == BUILT_IN_CODES - 1


def test_the_dashboard_counts_under_the_organisations_own_tiers(
    client: FlaskClient, safenet_file: Path
) -> None:
    draft = versions.draft_version(db.session, read_taxonomy_file(safenet_file))
    versions.activate(db.session, draft, {}, retire_unmapped=True)
    db.session.commit()
    reviewer = make_user(Role.REVIEWER)
    for day in range(1, 7):
        filed(dt.date(2026, 2, day), codes=("HF-6", "CF-4"), reviewer=reviewer)
    refresh(db.session)
    db.session.commit()
    login(client, make_user(Role.LEADER))
    period = {"from": "2026-01", "to": "2026-06"}

    page = client.get("/dashboard/", query_string=period).get_data(as_text=True)
    tier = client.get("/dashboard/tiers/human_factors", query_string=period)
    export = client.get(
        "/dashboard/export/codes.csv", query_string={**period, "tier": "contributing_factors"}
    )

    assert "Human Factors" in page
    assert "Contributing Factors" in page
    assert "Acts and decisions in the work" not in page
    assert tier.status_code == 200
    assert "Human Factors" in tier.get_data(as_text=True)
    assert "Fatigue" in tier.get_data(as_text=True)
    assert export.status_code == 200
    assert "Environmental" in export.get_data(as_text=True)


def test_an_own_tier_named_like_a_built_in_one_keeps_its_heading_and_place(
    tmp_path: Path,
) -> None:
    file = tmp_path / "labels.csv"
    file.write_text(
        "code,tier,title,definition\n"
        "HF-1,Human Factors,Fatigue,Crew members were tired.\n"
        "SUP-1,Supervision,Briefing,The briefing missed the hazard.\n",
        encoding="utf-8",
    )

    version = versions.draft_version(db.session, read_taxonomy_file(file))

    assert [
        (tier.key, tier.title, tier.reporter_heading) for tier, _ in codes_by_tier(version)
    ] == [
        ("human_factors", "Human Factors", "Human Factors"),
        ("supervision", "Supervision", "Supervision"),
    ]
