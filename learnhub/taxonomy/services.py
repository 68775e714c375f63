"""Load taxonomy catalogues as immutable numbered versions, activate them, and look codes up.

Functions take a ``Session`` and flush; the caller commits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.models import Setting
from learnhub.core.time import utcnow
from learnhub.taxonomy.catalogue import (
    Catalogue,
    CodeSpec,
    Tier,
    default_catalogue_path,
    load_catalogue_file,
)
from learnhub.taxonomy.models import (
    MappingRelation,
    TaxonomyCode,
    TaxonomyCodeMapping,
    TaxonomyVersion,
    VersionStatus,
)
from learnhub.taxonomy.simple_format import tier_key

# A tier's title, report-form heading and description, as the packaged catalogue gives them.
TierInfo = Tier


class UnknownCodes(LookupError):
    """Some code ids are not in the taxonomy version they were checked against."""

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        super().__init__(f"Not codes in this taxonomy version: {', '.join(unknown)}")


@functools.cache
def packaged_catalogue() -> Catalogue:
    return load_catalogue_file(default_catalogue_path())


def load_version(session: Session, catalogue: Catalogue, *, activate: bool) -> TaxonomyVersion:
    """Store the catalogue as the next numbered version, or return the version already holding
    exactly this content (same checksum) unchanged, whatever its status."""
    existing = session.scalar(
        sa.select(TaxonomyVersion)
        .where(TaxonomyVersion.checksum == catalogue.checksum)
        .order_by(TaxonomyVersion.number)
        .limit(1)
    )
    if existing is not None:
        return existing
    version = TaxonomyVersion(
        number=_next_number(session),
        label=catalogue.label,
        status=VersionStatus.DRAFT,
        checksum=catalogue.checksum,
        notes=catalogue.notes,
        codes=[_code_row(spec, position) for position, spec in enumerate(catalogue.codes)],
    )
    session.add(version)
    session.flush()
    if activate:
        activate_version(session, version)
    return version


def activate_version(session: Session, version: TaxonomyVersion) -> TaxonomyVersion:
    """Make ``version`` the one reports are coded against; the version it replaces is retired
    and each of its codes is mapped to the code with the same id in ``version``."""
    if version.status is VersionStatus.ACTIVE:
        return version
    previous_versions = session.scalars(
        sa.select(TaxonomyVersion)
        .where(TaxonomyVersion.status == VersionStatus.ACTIVE, TaxonomyVersion.id != version.id)
        .order_by(TaxonomyVersion.number)
    ).all()
    for previous in previous_versions:
        previous.status = VersionStatus.RETIRED
        _map_same_ids(session, previous, version)
    version.status = VersionStatus.ACTIVE
    version.activated_at = utcnow()
    session.flush()
    return version


def active_version(session: Session) -> TaxonomyVersion | None:
    return session.scalar(
        sa.select(TaxonomyVersion)
        .where(TaxonomyVersion.status == VersionStatus.ACTIVE)
        .order_by(TaxonomyVersion.number.desc())
        .limit(1)
    )


def ensure_default_taxonomy(session: Session) -> TaxonomyVersion:
    """The active version; if there is none, the packaged catalogue loaded and activated.

    Safe to run on every ``learnhub init``: a version an administrator activated is kept.
    """
    current = active_version(session)
    if current is not None:
        return current
    return activate_version(session, load_version(session, packaged_catalogue(), activate=False))


@dataclass(frozen=True)
class TaxonomyChoice:
    """``init --taxonomy``: the organisation's own catalogue, or none (``catalogue`` None);
    ``source`` names the file for messages and the audit trail."""

    catalogue: Catalogue | None
    source: str


# Remembers ``learnhub init --taxonomy none``, so a later plain ``init`` adds no taxonomy either.
NO_TAXONOMY_SETTING = "taxonomy.none_at_init"


def ensure_chosen_taxonomy(session: Session, catalogue: Catalogue | None) -> TaxonomyVersion | None:
    """``learnhub init --taxonomy``: the active version, left as it is if there is one;
    otherwise ``catalogue`` loaded and activated, or with ``None`` no taxonomy at all,
    remembered for later runs of ``init``."""
    current = active_version(session)
    if current is not None:
        return current
    if catalogue is None:
        session.merge(Setting(key=NO_TAXONOMY_SETTING, value=True))
        session.flush()
        return None
    _forget_no_taxonomy(session)
    return activate_version(session, load_version(session, catalogue, activate=False))


def ensure_taxonomy(session: Session) -> TaxonomyVersion | None:
    """A plain ``learnhub init``: the active version; if there is none, the packaged catalogue,
    unless ``init --taxonomy none`` chose to have none."""
    if active_version(session) is None and session.get(Setting, NO_TAXONOMY_SETTING):
        return None
    return ensure_default_taxonomy(session)


def codes_by_tier(version: TaxonomyVersion) -> list[tuple[TierInfo, list[TaxonomyCode]]]:
    """The version's codes grouped by tier for the report form.

    A version from the simple file format keeps its tiers in the file's order, headed as the
    file wrote them (each heading is kept as its codes' category, and the key made from it).
    Otherwise tiers come in the packaged order with the packaged wording, and a tier the
    packaged catalogue does not know (from a local variant, say) comes after them, headed as
    above if it can be, otherwise by its key.
    """
    grouped: dict[str, list[TaxonomyCode]] = {}
    for code in sorted(version.codes, key=lambda code: code.position):
        grouped.setdefault(code.tier, []).append(code)
    own = {key: _own_heading(key, codes) for key, codes in grouped.items()}
    if all(own.values()):
        return [(_own_tier(key, own[key]), codes) for key, codes in grouped.items()]
    known = {tier.key: tier for tier in packaged_catalogue().tiers}
    ordered = [key for key in known if key in grouped]
    ordered += [key for key in grouped if key not in known]
    return [
        (
            known.get(key) or _own_tier(key, own[key] or key.replace("_", " ").capitalize()),
            grouped[key],
        )
        for key in ordered
    ]


def resolve_codes(
    session: Session, version: TaxonomyVersion, code_ids: list[str]
) -> list[TaxonomyCode]:
    """The version's codes for these ids, in the order given, each once."""
    wanted = list(dict.fromkeys(code_ids))
    if not wanted:
        return []
    found = {
        code.code: code
        for code in session.scalars(
            sa.select(TaxonomyCode).where(
                TaxonomyCode.version_id == version.id, TaxonomyCode.code.in_(wanted)
            )
        )
    }
    unknown = [code_id for code_id in wanted if code_id not in found]
    if unknown:
        raise UnknownCodes(unknown)
    return [found[code_id] for code_id in wanted]


def _own_heading(key: str, codes: list[TaxonomyCode]) -> str:
    """The heading the simple file format gave this tier, or "" if it did not make it."""
    headings = {code.category for code in codes}
    heading = headings.pop() if len(headings) == 1 else ""
    return heading if heading and tier_key(heading) == key else ""


def _own_tier(key: str, heading: str) -> TierInfo:
    return TierInfo(key=key, title=heading, reporter_heading=heading, description="")


def _forget_no_taxonomy(session: Session) -> None:
    chosen = session.get(Setting, NO_TAXONOMY_SETTING)
    if chosen is not None:
        session.delete(chosen)


def _next_number(session: Session) -> int:
    highest = session.scalar(sa.select(sa.func.max(TaxonomyVersion.number)))
    return (highest or 0) + 1


def _code_row(spec: CodeSpec, position: int) -> TaxonomyCode:
    return TaxonomyCode(
        code=spec.code,
        tier=spec.tier,
        category=spec.category,
        title=spec.title,
        definition=spec.definition,
        prompt=spec.prompt,
        includes=spec.includes,
        excludes=spec.excludes,
        examples=list(spec.examples),
        ycff_domain=spec.ycff_domain,
        position=position,
    )


def _map_same_ids(session: Session, old: TaxonomyVersion, new: TaxonomyVersion) -> None:
    # Counts by factor follow these links across versions. A kept id whose title changed is
    # recorded as "renamed" so release notes and dashboards can say so.
    new_codes = {code.code: code for code in new.codes}
    already = {
        (from_id, to_id)
        for from_id, to_id in session.execute(
            sa.select(TaxonomyCodeMapping.from_code_id, TaxonomyCodeMapping.to_code_id).where(
                TaxonomyCodeMapping.from_code_id.in_([code.id for code in old.codes])
            )
        )
    }
    for old_code in old.codes:
        new_code = new_codes.get(old_code.code)
        if new_code is None or (old_code.id, new_code.id) in already:
            continue
        relation = (
            MappingRelation.SAME if old_code.title == new_code.title else MappingRelation.RENAMED
        )
        session.add(
            TaxonomyCodeMapping(from_code_id=old_code.id, to_code_id=new_code.id, relation=relation)
        )
