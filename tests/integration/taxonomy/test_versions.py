"""Taxonomy versions over time: drafting, comparing, mapping and activating, counting reports
through merges and splits, and the ``learnhub taxonomy`` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import aliased

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.reports.models import Report
from learnhub.taxonomy import versions
from learnhub.taxonomy.catalogue import Catalogue, parse_catalogue
from learnhub.taxonomy.cli import taxonomy_group
from learnhub.taxonomy.models import (
    FactorSource,
    FactorStatus,
    MappingRelation,
    ReportFactor,
    TaxonomyCode,
    TaxonomyCodeMapping,
    TaxonomyVersion,
    VersionStatus,
)
from learnhub.taxonomy.services import activate_version, active_version, packaged_catalogue
from tests.factories import make_report

pytestmark = pytest.mark.usefixtures("app")

# Version 2 for these tests: SUP-1 and SUP-2 merge into SUP-6; ORG-1 splits into ORG-9 and
# ORG-10; ACT-SKILL-1 keeps its id under a new title; every other code is kept as it is.
MERGED_TITLE = "Supervision was too rare, or had no room to reflect"
V2_MAPPING = {"SUP-1": ["SUP-6"], "SUP-2": ["SUP-6"], "ORG-1": ["ORG-9", "ORG-10"]}


def edited(change: Any, notes: str) -> Catalogue:
    data = packaged_catalogue().to_data()
    data["notes"] = notes
    change(data["codes"])
    return parse_catalogue(json.dumps(data))


def replace(codes: list[dict[str, Any]], old: list[str], new: list[dict[str, Any]]) -> None:
    """Put ``new`` where the first of ``old`` was, and drop all of ``old``."""
    at = next(index for index, code in enumerate(codes) if code["code"] in old)
    codes[:] = [*codes[:at], *new, *(code for code in codes[at:] if code["code"] not in old)]


def like(codes: list[dict[str, Any]], code_id: str, **changes: Any) -> dict[str, Any]:
    return {**next(code for code in codes if code["code"] == code_id), **changes}


def merge_and_split(codes: list[dict[str, Any]]) -> None:
    renamed = like(codes, "ACT-SKILL-1", title="A planned step was lost")
    replace(codes, ["ACT-SKILL-1"], [renamed])
    merged = like(codes, "SUP-1", code="SUP-6", title=MERGED_TITLE)
    replace(codes, ["SUP-1", "SUP-2"], [merged])
    halves = [
        like(codes, "ORG-1", code="ORG-9", title="Staffing gaps and vacancies"),
        like(codes, "ORG-1", code="ORG-10", title="Reliance on agency staff and turnover"),
    ]
    replace(codes, ["ORG-1"], halves)


def v2_catalogue() -> Catalogue:
    return edited(merge_and_split, "Version 2: supervision merged, staffing split.")


def merge_the_halves(codes: list[dict[str, Any]]) -> None:
    merge_and_split(codes)
    whole = like(codes, "ORG-9", code="ORG-11", title="Staffing: gaps, agency staff, turnover")
    replace(codes, ["ORG-9", "ORG-10"], [whole])


def v3_catalogue() -> Catalogue:
    return edited(merge_the_halves, "Version 3: staffing back together.")


@pytest.fixture
def v1() -> TaxonomyVersion:
    version = active_version(db.session)
    assert version is not None
    assert version.checksum == packaged_catalogue().checksum
    return version


def code_in(version: TaxonomyVersion, code_id: str) -> TaxonomyCode:
    return next(code for code in version.codes if code.code == code_id)


def tick(report: Report, version: TaxonomyVersion, *code_ids: str) -> None:
    db.session.add_all(
        ReportFactor(
            report_id=report.id, code_id=code_in(version, code).id, source=FactorSource.REPORTER
        )
        for code in code_ids
    )
    db.session.flush()


def confirm(report: Report, version: TaxonomyVersion, *code_ids: str) -> None:
    db.session.add_all(
        ReportFactor(
            report_id=report.id,
            code_id=code_in(version, code).id,
            source=FactorSource.REVIEWER,
            status=FactorStatus.CONFIRMED,
        )
        for code in code_ids
    )
    db.session.flush()


def mappings_into(version: TaxonomyVersion) -> set[tuple[str, str, MappingRelation]]:
    old, new = aliased(TaxonomyCode), aliased(TaxonomyCode)
    rows = db.session.execute(
        sa.select(old.code, new.code, TaxonomyCodeMapping.relation)
        .join(old, old.id == TaxonomyCodeMapping.from_code_id)
        .join(new, new.id == TaxonomyCodeMapping.to_code_id)
        .where(new.version_id == version.id)
    )
    return {(old_code, new_code, relation) for old_code, new_code, relation in rows}


def activate_v2() -> TaxonomyVersion:
    v2 = versions.draft_version(db.session, v2_catalogue())
    versions.activate(db.session, v2, V2_MAPPING)
    return v2


# --- drafting and comparing ------------------------------------------------------------------


def test_a_catalogue_becomes_the_next_numbered_draft_once(v1: TaxonomyVersion) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())
    again = versions.draft_version(db.session, v2_catalogue())

    assert draft.number == v1.number + 1
    assert draft.status is VersionStatus.DRAFT
    assert again.id == draft.id
    assert versions.version_by_number(db.session, draft.number) == draft
    assert versions.version_by_checksum(db.session, v2_catalogue().checksum) == draft
    assert active_version(db.session) == v1


def test_the_diff_shows_codes_added_removed_and_renamed(v1: TaxonomyVersion) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())

    diff = versions.version_diff(v1, draft)

    assert [code.code for code in diff.added] == ["SUP-6", "ORG-9", "ORG-10"]
    assert [code.code for code in diff.removed] == ["SUP-1", "SUP-2", "ORG-1"]
    assert [(change.code, change.kind) for change in diff.changed] == [("ACT-SKILL-1", "renamed")]
    assert len(diff.unchanged) == len(v1.codes) - 4
    assert versions.version_diff(v1, v1).is_empty


def test_version_summaries_count_codes_newest_first(v1: TaxonomyVersion) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())

    summaries = versions.version_summaries(db.session)

    assert [(s.version.number, s.code_count) for s in summaries[:2]] == [
        (draft.number, len(v1.codes)),  # two removed for one added, one for two
        (v1.number, len(v1.codes)),
    ]


# --- mapping and activating ----------------------------------------------------------------------


def test_activation_records_the_merge_the_split_and_the_rename(v1: TaxonomyVersion) -> None:
    v2 = activate_v2()

    assert (v1.status, v2.status) == (VersionStatus.RETIRED, VersionStatus.ACTIVE)
    assert v2.activated_at is not None
    assert active_version(db.session) == v2
    links = mappings_into(v2)
    assert {link for link in links if link[2] is not MappingRelation.SAME} == {
        ("SUP-1", "SUP-6", MappingRelation.MERGED),
        ("SUP-2", "SUP-6", MappingRelation.MERGED),
        ("ORG-1", "ORG-9", MappingRelation.SPLIT),
        ("ORG-1", "ORG-10", MappingRelation.SPLIT),
        ("ACT-SKILL-1", "ACT-SKILL-1", MappingRelation.RENAMED),
    }
    assert ("PRE-TECH-1", "PRE-TECH-1", MappingRelation.SAME) in links
    assert len(links) == len(v1.codes) + 1  # every old code once, ORG-1 twice


def test_activation_is_in_the_audit_trail(v1: TaxonomyVersion) -> None:
    v2 = activate_v2()

    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (event.action, event.object_type, event.object_id) == (
        "activate",
        "taxonomy_version",
        str(v2.number),
    )
    assert event.details["previous_version"] == v1.number
    assert event.details["mapped"] == {
        "ACT-SKILL-1": ["ACT-SKILL-1"],
        "SUP-1": ["SUP-6"],
        "SUP-2": ["SUP-6"],
        "ORG-1": ["ORG-9", "ORG-10"],
    }
    assert event.details["retired"] == []


def test_unmapped_removed_codes_are_refused_and_nothing_changes(v1: TaxonomyVersion) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())

    with pytest.raises(versions.MappingInvalid) as raised:
        versions.activate(db.session, draft, {"SUP-1": ["SUP-6"]})

    assert raised.value.unmapped == ("SUP-2", "ORG-1")
    assert f"SUP-2 is not in version {draft.number}" in raised.value.errors["SUP-2"]
    assert (v1.status, draft.status) == (VersionStatus.ACTIVE, VersionStatus.DRAFT)
    assert mappings_into(draft) == set()


def test_unknown_codes_are_refused_with_a_clear_message(v1: TaxonomyVersion) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())
    mapping = {**V2_MAPPING, "ORG-1": ["ORG-9", "ORG-99"], "SUP-9": ["SUP-6"]}

    with pytest.raises(versions.MappingInvalid) as raised:
        versions.plan_mapping(db.session, draft, mapping)

    assert raised.value.errors == {
        "ORG-1": f"ORG-1: ORG-99 is not in version {draft.number}",
        "SUP-9": f"SUP-9 is not a code of version {v1.number} (active)",
    }


def test_only_a_draft_can_be_activated(v1: TaxonomyVersion) -> None:
    v2 = activate_v2()

    for version in (v1, v2):
        with pytest.raises(versions.NotADraft, match="only a draft can be activated"):
            versions.activate(db.session, version, {})


def test_the_first_version_needs_no_mapping() -> None:
    db.session.execute(sa.update(TaxonomyVersion).values(status=VersionStatus.RETIRED))
    db.session.expire_all()
    draft = versions.draft_version(db.session, v2_catalogue())

    with pytest.raises(versions.MappingInvalid, match="none is active"):
        versions.plan_mapping(db.session, draft, {"SUP-1": ["SUP-6"]})
    plan = versions.activate(db.session, draft, {})

    assert plan.source is None
    assert plan.links == ()
    assert draft.status is VersionStatus.ACTIVE


# --- counting reports through the mappings -----------------------------------------------------


@pytest.fixture
def coded_in_v1(v1: TaxonomyVersion) -> dict[str, int]:
    """Reports coded in version 1, by name."""
    reports = {name: make_report()[0] for name in ("both", "ticked", "mixed", "overruled", "none")}
    confirm(reports["both"], v1, "SUP-1", "SUP-2")  # both halves of the merge
    tick(reports["ticked"], v1, "ORG-1")  # not yet reviewed: the reporter's tick counts
    confirm(reports["mixed"], v1, "SUP-1", "ORG-1", "PRE-TECH-1")
    tick(reports["overruled"], v1, "SUP-2")  # a reviewer's coding replaces the ticks
    confirm(reports["overruled"], v1, "PRE-TECH-1")
    # A tick the reviewer removed, with nothing confirmed instead, counts nowhere.
    db.session.add(
        ReportFactor(
            report_id=reports["none"].id,
            code_id=code_in(v1, "WW-1").id,
            source=FactorSource.REPORTER,
            status=FactorStatus.REMOVED,
        )
    )
    db.session.commit()
    return {name: report.id for name, report in reports.items()}


def test_each_old_report_counts_once_under_each_new_code(
    v1: TaxonomyVersion, coded_in_v1: dict[str, int]
) -> None:
    v2 = activate_v2()

    codes = versions.report_codes_in(db.session, v2, coded_in_v1.values())

    assert codes == {
        coded_in_v1["both"]: frozenset({"SUP-6"}),
        coded_in_v1["ticked"]: frozenset({"ORG-9", "ORG-10"}),
        coded_in_v1["mixed"]: frozenset({"SUP-6", "ORG-9", "ORG-10", "PRE-TECH-1"}),
        coded_in_v1["overruled"]: frozenset({"PRE-TECH-1"}),
    }
    counts = versions.reports_per_code(db.session, v2, coded_in_v1.values())
    assert counts == {"SUP-6": 2, "ORG-9": 2, "ORG-10": 2, "PRE-TECH-1": 2}


def test_in_their_own_version_reports_keep_their_codes(
    v1: TaxonomyVersion, coded_in_v1: dict[str, int]
) -> None:
    activate_v2()

    counts = versions.reports_per_code(db.session, v1, coded_in_v1.values())

    assert counts == {"SUP-1": 2, "SUP-2": 1, "ORG-1": 2, "PRE-TECH-1": 2}


def test_mappings_are_followed_through_every_version(
    v1: TaxonomyVersion, coded_in_v1: dict[str, int]
) -> None:
    v2 = activate_v2()
    in_v2 = make_report()[0]
    tick(in_v2, v2, "ORG-9", "ORG-10", "SUP-6")
    v3 = versions.draft_version(db.session, v3_catalogue())
    versions.activate(db.session, v3, {"ORG-9": ["ORG-11"], "ORG-10": ["ORG-11"]})

    ids = [*coded_in_v1.values(), in_v2.id]
    codes = versions.report_codes_in(db.session, v3, ids)

    # ORG-1 split into two codes that merged again: the report counts once under ORG-11.
    assert codes[coded_in_v1["ticked"]] == frozenset({"ORG-11"})
    assert codes[coded_in_v1["mixed"]] == frozenset({"SUP-6", "ORG-11", "PRE-TECH-1"})
    assert codes[in_v2.id] == frozenset({"SUP-6", "ORG-11"})
    assert versions.reports_per_code(db.session, v3, ids) == {
        "SUP-6": 3,
        "ORG-11": 3,
        "PRE-TECH-1": 2,
    }
    # Mappings run forwards: version 3's codes say nothing about version 2.
    assert versions.code_targets(db.session, v2, [code_in(v3, "ORG-11").id]) == {
        code_in(v3, "ORG-11").id: frozenset()
    }


def test_a_retired_code_counts_nowhere(v1: TaxonomyVersion) -> None:
    report = make_report()[0]
    confirm(report, v1, "ORG-1", "PRE-TECH-1")
    only_org = make_report()[0]
    confirm(only_org, v1, "ORG-1")
    v2 = versions.draft_version(db.session, v2_catalogue())

    versions.activate(db.session, v2, {**V2_MAPPING, "ORG-1": []})

    assert versions.report_codes_in(db.session, v2, [report.id, only_org.id]) == {
        report.id: frozenset({"PRE-TECH-1"})
    }


def test_reports_can_be_chosen_by_ids_or_by_a_query(
    v1: TaxonomyVersion, coded_in_v1: dict[str, int]
) -> None:
    v2 = activate_v2()
    one = coded_in_v1["both"]

    by_ids = versions.report_codes_in(db.session, v2, [one])
    by_query = versions.report_codes_in(
        db.session, v2, sa.select(Report.id).where(Report.id == one)
    )
    everyone = versions.report_codes_in(db.session, v2)

    assert by_ids == by_query == {one: frozenset({"SUP-6"})}
    assert (
        everyone.items() >= versions.report_codes_in(db.session, v2, coded_in_v1.values()).items()
    )
    assert versions.report_codes_in(db.session, v2, []) == {}


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    executed: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SELECT"):  # not the test's own SAVEPOINTs
            executed.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    yield executed
    sa.event.remove(db.engine, "before_cursor_execute", count)


def test_counting_takes_the_same_few_queries_for_many_reports(
    v1: TaxonomyVersion, statements: list[str]
) -> None:
    v2 = activate_v2()
    reports = [make_report()[0] for _ in range(30)]
    for index, report in enumerate(reports):
        if index % 2:
            confirm(report, v1, "SUP-1", "SUP-2")
        else:
            tick(report, v1, "ORG-1")
    db.session.commit()

    statements.clear()
    few = versions.report_codes_in(db.session, v2, [r.id for r in reports[:3]])
    queries_for_few = len(statements)
    statements.clear()
    many = versions.report_codes_in(db.session, v2, [r.id for r in reports])

    assert len(few) == 3
    assert len(many) == 30
    assert len(statements) == queries_for_few == 3


# --- the learnhub taxonomy command ----------------------------------------------------------------


@pytest.fixture
def cli(app: Flask, runner: FlaskCliRunner) -> FlaskCliRunner:
    # The lead registers the group on the learnhub command; until then, add it here.
    if "taxonomy" not in app.cli.commands:
        app.cli.add_command(taxonomy_group)
    return runner


def write_catalogue(path: Path, catalogue: Catalogue) -> Path:
    path.write_text(json.dumps(catalogue.to_data(), indent=2), encoding="utf-8")
    return path


def test_load_drafts_the_file_and_shows_the_diff(
    cli: FlaskCliRunner, tmp_path: Path, v1: TaxonomyVersion
) -> None:
    file = write_catalogue(tmp_path / "v2.json", v2_catalogue())

    result = cli.invoke(args=["taxonomy", "load", str(file)])

    assert result.exit_code == 0, result.output
    draft = versions.version_by_checksum(db.session, v2_catalogue().checksum)
    assert draft is not None
    assert draft.status is VersionStatus.DRAFT
    assert f"as version {draft.number} (draft, {len(draft.codes)} codes)" in result.output
    assert f"Compared with version {v1.number} (active):" in result.output
    assert "  Added (3):\n    SUP-6  " + MERGED_TITLE in result.output
    assert "  Removed (3):" in result.output
    assert "    ORG-1  Staffing gaps" in result.output
    assert "ACT-SKILL-1  'A step was missed or forgotten' -> 'A planned step was lost'" in (
        result.output
    )
    assert f"learnhub taxonomy activate {draft.number}" in result.output

    again = cli.invoke(args=["taxonomy", "load", str(file)])
    assert again.exit_code == 0
    assert f"already version {draft.number} (draft); nothing was loaded" in again.output


def test_diff_changes_nothing(cli: FlaskCliRunner, tmp_path: Path) -> None:
    file = write_catalogue(tmp_path / "v2.json", v2_catalogue())
    before = versions.version_summaries(db.session)

    result = cli.invoke(args=["taxonomy", "diff", str(file)])

    assert result.exit_code == 0, result.output
    assert "  Removed (3):" in result.output
    assert len(versions.version_summaries(db.session)) == len(before)


def test_a_bad_file_is_refused_with_its_problems(cli: FlaskCliRunner, tmp_path: Path) -> None:
    data = packaged_catalogue().to_data()
    data["codes"][0]["tier"] = "nowhere"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    not_json = tmp_path / "not.json"
    not_json.write_text("{", encoding="utf-8")
    before = len(versions.version_summaries(db.session))

    results = [cli.invoke(args=["taxonomy", "load", str(file)]) for file in (bad, not_json)]

    for file, result in zip((bad, not_json), results, strict=True):
        assert result.exit_code == 1
        assert f"Error: {file.name} is not a valid taxonomy catalogue" in result.output
    assert "tier 'nowhere' is not one of the tiers listed" in results[0].output
    assert "not valid JSON" in results[1].output
    assert len(versions.version_summaries(db.session)) == before
    missing = cli.invoke(args=["taxonomy", "diff", str(tmp_path / "missing.json")])
    assert missing.exit_code != 0
    assert "does not exist" in missing.output


def test_activate_lists_the_removed_codes_left_unmapped(
    cli: FlaskCliRunner, v1: TaxonomyVersion
) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())
    db.session.commit()

    result = cli.invoke(args=["taxonomy", "activate", str(draft.number), "--map", "SUP-1=SUP-6"])

    assert result.exit_code == 1
    assert "Removed codes have no mapping: SUP-2, ORG-1." in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert active_version(db.session) == v1


def test_activate_with_map_options(cli: FlaskCliRunner, v1: TaxonomyVersion) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())
    db.session.commit()

    result = cli.invoke(
        args=[
            "taxonomy",
            "activate",
            str(draft.number),
            "--map",
            "SUP-1=SUP-6",
            "--map",
            "SUP-2=SUP-6",
            "--map",
            "ORG-1=ORG-9,ORG-10",
        ]
    )

    assert result.exit_code == 0, result.output
    assert f"Version {draft.number} is active; version {v1.number} is retired" in result.output
    db.session.expire_all()
    assert active_version(db.session) == draft
    assert ("ORG-1", "ORG-10", MappingRelation.SPLIT) in mappings_into(draft)


def test_activate_with_a_mapping_file_and_a_retirement(
    cli: FlaskCliRunner, tmp_path: Path, v1: TaxonomyVersion
) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())
    db.session.commit()
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps({**V2_MAPPING, "ORG-1": ["ORG-9"]}), encoding="utf-8")

    result = cli.invoke(
        args=[
            "taxonomy",
            "activate",
            str(draft.number),
            "--mapping-file",
            str(mapping_file),
            "--map",
            "ORG-1=",  # replaces the file's line for ORG-1
        ]
    )

    assert result.exit_code == 0, result.output
    assert "retired: ORG-1" in result.output
    assert not any(old == "ORG-1" for old, _, _ in mappings_into(draft))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999"], "There is no taxonomy version 999."),
        (["{v1}"], "Version {v1} is active: only a draft can be activated."),
        (["{draft}", "--map", "SUP-1"], "write OLD=NEW"),
        (["{draft}", "--map", "NOPE-1=SUP-6"], "NOPE-1 is not a code of version {v1} (active)"),
        (["{draft}", "--mapping-file", "{list_file}"], "must be a JSON object of code lists"),
    ],
)
def test_activate_refuses_bad_input_in_one_line(
    cli: FlaskCliRunner,
    tmp_path: Path,
    v1: TaxonomyVersion,
    args: list[str],
    message: str,
) -> None:
    draft = versions.draft_version(db.session, v2_catalogue())
    db.session.commit()
    list_file = tmp_path / "list.json"
    list_file.write_text('["SUP-1"]', encoding="utf-8")
    values = {"v1": v1.number, "draft": draft.number, "list_file": list_file}

    result = cli.invoke(args=["taxonomy", "activate", *(arg.format(**values) for arg in args)])

    assert result.exit_code != 0
    assert message.format(**values) in result.output
    assert active_version(db.session) == v1


def test_reactivating_an_old_version_leaves_counting_finite(
    v1: TaxonomyVersion, coded_in_v1: dict[str, int]
) -> None:
    # Cycles (v1 → v2 → v1) come from re-activating an old version through the services.
    v2 = activate_v2()
    activate_version(db.session, v1)

    codes = versions.report_codes_in(db.session, v1, coded_in_v1.values())

    assert codes[coded_in_v1["both"]] == frozenset({"SUP-1", "SUP-2"})
    assert versions.report_codes_in(db.session, v2, coded_in_v1.values())[
        coded_in_v1["both"]
    ] == frozenset({"SUP-6"})
