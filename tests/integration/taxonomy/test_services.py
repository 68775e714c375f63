"""Loading taxonomy catalogues as numbered versions, activating them, and looking codes up."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from learnhub.core.extensions import db
from learnhub.taxonomy.catalogue import Catalogue, parse_catalogue
from learnhub.taxonomy.models import (
    MappingRelation,
    TaxonomyCode,
    TaxonomyCodeMapping,
    TaxonomyVersion,
    VersionStatus,
)
from learnhub.taxonomy.services import (
    UnknownCodes,
    activate_version,
    active_version,
    codes_by_tier,
    ensure_default_taxonomy,
    load_version,
    packaged_catalogue,
    resolve_codes,
)

pytestmark = pytest.mark.usefixtures("app")


def variant(change: Any = None, *, notes: str = "A variant for tests.") -> Catalogue:
    """The packaged catalogue with different notes (so a different checksum), changed further."""
    data = packaged_catalogue().to_data()
    data["notes"] = notes
    if change is not None:
        change(data)
    return parse_catalogue(json.dumps(data))


def highest_number() -> int:
    return db.session.scalar(sa.select(sa.func.max(TaxonomyVersion.number))) or 0


def version_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TaxonomyVersion)) or 0


def mappings_into(version: TaxonomyVersion) -> dict[str, tuple[str, MappingRelation]]:
    old_code = aliased(TaxonomyCode)
    new_code = aliased(TaxonomyCode)
    rows = db.session.execute(
        sa.select(old_code.code, new_code.code, TaxonomyCodeMapping.relation)
        .join(old_code, old_code.id == TaxonomyCodeMapping.from_code_id)
        .join(new_code, new_code.id == TaxonomyCodeMapping.to_code_id)
        .where(new_code.version_id == version.id)
    )
    return {new: (old, relation) for old, new, relation in rows}


def test_loading_stores_the_next_numbered_draft_with_every_code_in_order() -> None:
    catalogue = variant()
    before = highest_number()

    version = load_version(db.session, catalogue, activate=False)

    assert version.number == before + 1
    assert version.status is VersionStatus.DRAFT
    assert version.activated_at is None
    assert version.label == catalogue.label
    assert version.notes == "A variant for tests."
    assert version.checksum == catalogue.checksum
    assert [(code.code, code.position) for code in version.codes] == [
        (spec.code, position) for position, spec in enumerate(catalogue.codes)
    ]
    first = version.codes[0]
    spec = catalogue.codes[0]
    assert (first.tier, first.category, first.title, first.prompt) == (
        spec.tier,
        spec.category,
        spec.title,
        spec.prompt,
    )
    assert (first.definition, first.includes, first.excludes) == (
        spec.definition,
        spec.includes,
        spec.excludes,
    )
    assert first.examples == list(spec.examples)
    assert first.ycff_domain == spec.ycff_domain


def test_loading_the_same_content_again_returns_the_same_version_unchanged() -> None:
    first = load_version(db.session, variant(), activate=False)
    count = version_count()

    again = load_version(db.session, variant(), activate=True)

    assert again.id == first.id
    assert again.status is VersionStatus.DRAFT
    assert version_count() == count


def test_each_new_content_gets_the_next_number() -> None:
    before = highest_number()

    numbers = [
        load_version(db.session, variant(notes=f"Variant {index}"), activate=False).number
        for index in range(3)
    ]

    assert numbers == [before + 1, before + 2, before + 3]


def test_activating_retires_the_previous_version_and_maps_codes_with_the_same_id() -> None:
    def rename_and_replace(data: dict[str, Any]) -> None:
        data["codes"][0]["title"] = "A planned step was missed or forgotten"
        data["codes"][1]["code"] = "ACT-SKILL-9"

    old = load_version(db.session, variant(notes="Old"), activate=True)
    new = load_version(db.session, variant(rename_and_replace, notes="New"), activate=True)

    assert old.status is VersionStatus.RETIRED
    assert new.status is VersionStatus.ACTIVE
    assert new.activated_at is not None
    assert active_version(db.session) == new
    mapped = mappings_into(new)
    assert mapped["ACT-SKILL-1"] == ("ACT-SKILL-1", MappingRelation.RENAMED)
    assert mapped["PRE-TECH-1"] == ("PRE-TECH-1", MappingRelation.SAME)
    assert "ACT-SKILL-9" not in mapped  # a new id: only an administrator can say where it came from
    assert len(mapped) == len(new.codes) - 1
    assert all(
        relation is MappingRelation.SAME
        for code, (_, relation) in mapped.items()
        if code != "ACT-SKILL-1"
    )


def test_only_one_version_is_active_at_a_time() -> None:
    for index in range(3):
        load_version(db.session, variant(notes=f"Variant {index}"), activate=True)

    active = db.session.scalars(
        sa.select(TaxonomyVersion).where(TaxonomyVersion.status == VersionStatus.ACTIVE)
    ).all()
    assert len(active) == 1
    assert active[0].notes == "Variant 2"


def test_an_older_version_can_be_activated_again_without_duplicate_mappings() -> None:
    first = load_version(db.session, variant(notes="First"), activate=True)
    second = load_version(db.session, variant(notes="Second"), activate=True)

    activate_version(db.session, first)
    activate_version(db.session, second)

    assert (first.status, second.status) == (VersionStatus.RETIRED, VersionStatus.ACTIVE)
    assert len(mappings_into(second)) == len(second.codes)
    assert len(mappings_into(first)) == len(first.codes)


def test_loading_a_draft_leaves_the_active_version_alone() -> None:
    active = load_version(db.session, variant(notes="Active"), activate=True)

    load_version(db.session, variant(notes="Draft"), activate=False)

    assert active_version(db.session) == active
    assert active.status is VersionStatus.ACTIVE


def test_ensure_default_taxonomy_loads_and_activates_the_packaged_file_once() -> None:
    db.session.execute(sa.delete(TaxonomyVersion))
    db.session.expire_all()

    version = ensure_default_taxonomy(db.session)
    again = ensure_default_taxonomy(db.session)

    assert again.id == version.id
    assert version_count() == 1
    assert version.status is VersionStatus.ACTIVE
    assert version.number == 1
    assert version.checksum == packaged_catalogue().checksum
    assert len(version.codes) == len(packaged_catalogue().codes)


def test_ensure_default_taxonomy_keeps_a_version_an_administrator_activated() -> None:
    chosen = load_version(db.session, variant(notes="Chosen locally"), activate=True)
    count = version_count()

    assert ensure_default_taxonomy(db.session).id == chosen.id
    assert version_count() == count


def test_ensure_default_taxonomy_activates_the_packaged_version_when_none_is_active() -> None:
    ensure_default_taxonomy(db.session)
    db.session.execute(sa.update(TaxonomyVersion).values(status=VersionStatus.RETIRED))
    db.session.expire_all()

    version = ensure_default_taxonomy(db.session)

    assert version.status is VersionStatus.ACTIVE
    assert version.checksum == packaged_catalogue().checksum


def test_resolve_codes_returns_the_versions_codes_in_the_order_asked() -> None:
    version = load_version(db.session, variant(), activate=False)

    codes = resolve_codes(db.session, version, ["WW-1", "PRE-TECH-1", "WW-1"])

    assert [code.code for code in codes] == ["WW-1", "PRE-TECH-1"]
    assert all(code.version_id == version.id for code in codes)
    assert resolve_codes(db.session, version, []) == []


def test_resolve_codes_names_every_unknown_id() -> None:
    version = load_version(db.session, variant(), activate=False)

    with pytest.raises(UnknownCodes) as raised:
        resolve_codes(db.session, version, ["WW-1", "NOPE-1", "pre-tech-1", "NOPE-1"])

    assert raised.value.unknown == ["NOPE-1", "pre-tech-1"]
    assert "NOPE-1, pre-tech-1" in str(raised.value)


def test_resolve_codes_does_not_reach_into_another_version() -> None:
    old = load_version(db.session, variant(notes="Old"), activate=False)
    new = load_version(
        db.session,
        variant(lambda data: data["codes"][0].update(code="ACT-SKILL-9"), notes="New"),
        activate=False,
    )

    assert resolve_codes(db.session, old, ["ACT-SKILL-1"])[0].version_id == old.id
    with pytest.raises(UnknownCodes):
        resolve_codes(db.session, new, ["ACT-SKILL-1"])


def test_codes_by_tier_follows_the_packaged_tier_order_and_code_positions() -> None:
    catalogue = packaged_catalogue()
    version = load_version(db.session, variant(), activate=False)

    grouped = codes_by_tier(version)

    assert [tier for tier, _ in grouped] == list(catalogue.tiers)
    for tier, codes in grouped:
        assert [code.code for code in codes] == [spec.code for spec in catalogue.codes_in(tier.key)]
    headings = {tier.key: tier.reporter_heading for tier, _ in grouped}
    assert headings["preconditions"] == "What made it more likely on the day?"


def test_codes_by_tier_shows_a_tier_it_does_not_know_under_its_key_last() -> None:
    def add_local_tier(data: dict[str, Any]) -> None:
        data["tiers"].insert(
            0,
            {
                "key": "local_practice",
                "title": "Local",
                "reporter_heading": "Local?",
                "description": "A local variant.",
            },
        )
        data["codes"].insert(0, {**data["codes"][0], "code": "LOC-1", "tier": "local_practice"})

    version = load_version(db.session, variant(add_local_tier), activate=False)

    grouped = codes_by_tier(version)

    last_tier, last_codes = grouped[-1]
    assert (last_tier.key, last_tier.title, last_tier.reporter_heading) == (
        "local_practice",
        "Local practice",
        "Local practice",
    )
    assert [code.code for code in last_codes] == ["LOC-1"]
    assert [tier.key for tier, _ in grouped[:-1]] == [
        tier.key for tier in packaged_catalogue().tiers
    ]
