"""Taxonomy releases over time: draft a version from a catalogue, compare it with the active one,
say where each old code's reports go, activate it, and count reports through those mappings.

How a mapping reads: keys are codes of the active version, values the draft's codes they become.
One target is "same" or "renamed", or "merged" when several old codes point at it; several
targets are a "split". An empty list retires the code: its reports count under no code from
then on. Retiring must be said out loud (the code listed with []), because a removed code left
out of the mapping is more often forgotten than meant. A code whose id the draft keeps maps to
itself without being listed.

Functions take a ``Session`` and flush; the caller commits.
"""

from __future__ import annotations

import string
from collections import Counter, deque
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.audit import services as audit
from learnhub.auth.models import User
from learnhub.taxonomy.catalogue import Catalogue, CatalogueDiff, CodeSpec, diff_catalogues
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
from learnhub.taxonomy.services import (
    activate_version,
    active_version,
    codes_by_tier,
    load_version,
)

# Report ids: a collection of ids, a SELECT of ids (filtered in the database), or None for all.
ReportIds = Collection[int] | sa.Select[Any] | None

# Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
ID_CHUNK = 1000
# Rows fetched at a time when every report is read, so memory stays flat at national scale.
STREAM_BATCH = 10_000


class VersionChangeRefused(Exception):
    """A change to taxonomy versions that cannot be made; the message says why."""


class NotADraft(VersionChangeRefused):
    def __init__(self, version: TaxonomyVersion) -> None:
        self.version = version
        super().__init__(
            f"Version {version.number} is {version.status.value}: only a draft can be activated"
        )


class MappingInvalid(VersionChangeRefused):
    """``errors`` maps each old code (or the unknown id given) to what is wrong with its line;
    ``unmapped`` lists the removed codes that the mapping leaves out."""

    def __init__(self, errors: dict[str, str], unmapped: Sequence[str] = ()) -> None:
        self.errors = errors
        self.unmapped = tuple(unmapped)
        super().__init__("; ".join(errors.values()))


@dataclass(frozen=True)
class PlannedLink:
    old: TaxonomyCode
    new: TaxonomyCode
    relation: MappingRelation


@dataclass(frozen=True)
class MappingPlan:
    """Every link from the active version's codes to the draft's, and the codes retired."""

    source: TaxonomyVersion | None
    target: TaxonomyVersion
    links: tuple[PlannedLink, ...]
    retired: tuple[str, ...]

    def changes(self) -> dict[str, list[str]]:
        """Old code → new codes, for every code not simply carried over: for audit and output."""
        moved: dict[str, list[str]] = {}
        for link in self.links:
            if link.relation is not MappingRelation.SAME:
                moved.setdefault(link.old.code, []).append(link.new.code)
        return moved


@dataclass(frozen=True)
class VersionSummary:
    version: TaxonomyVersion
    code_count: int


# ------------------------------------------------------------------------------ finding versions


def version_by_number(session: Session, number: int) -> TaxonomyVersion | None:
    return session.scalar(sa.select(TaxonomyVersion).where(TaxonomyVersion.number == number))


def version_by_checksum(session: Session, checksum: str) -> TaxonomyVersion | None:
    return session.scalar(
        sa.select(TaxonomyVersion)
        .where(TaxonomyVersion.checksum == checksum)
        .order_by(TaxonomyVersion.number)
        .limit(1)
    )


def version_summaries(session: Session) -> list[VersionSummary]:
    """Every version, newest first, with how many codes it has (one query)."""
    counts = (
        sa.select(TaxonomyCode.version_id, sa.func.count().label("codes"))
        .group_by(TaxonomyCode.version_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(TaxonomyVersion, sa.func.coalesce(counts.c.codes, 0))
        .outerjoin(counts, counts.c.version_id == TaxonomyVersion.id)
        .order_by(TaxonomyVersion.number.desc())
    )
    return [VersionSummary(version, count) for version, count in rows]


# ---------------------------------------------------------------------- drafting and comparing


def draft_version(session: Session, catalogue: Catalogue) -> TaxonomyVersion:
    """The catalogue as the next numbered draft; a catalogue already stored (same checksum)
    returns that version as it is. Versions are never edited: a change is a new version."""
    return load_version(session, catalogue, activate=False)


def catalogue_of(version: TaxonomyVersion) -> Catalogue:
    """A stored version in catalogue form, so it can be compared with a file or another version.

    Tier wording is not stored per version; it comes from the packaged catalogue by key.
    """
    tiers = tuple(tier for tier, _ in codes_by_tier(version))
    codes = tuple(_spec(code) for code in sorted(version.codes, key=lambda code: code.position))
    return Catalogue(version.label, version.notes, tiers, codes, version.checksum)


def version_diff(old: TaxonomyVersion, new: TaxonomyVersion) -> CatalogueDiff:
    """Codes added, removed, renamed or revised from ``old`` to ``new``, matched by id."""
    return diff_catalogues(catalogue_of(old), catalogue_of(new))


# ----------------------------------------------------------------------------- mapping codes


def check_mapping(
    old_codes: Sequence[str],
    new_codes: Sequence[str],
    mapping: Mapping[str, Sequence[str]],
    *,
    old_name: str = "the active version",
    new_name: str = "the new version",
) -> dict[str, list[str]]:
    """The complete mapping (every old code, kept ids to themselves) or ``MappingInvalid`` with
    every problem at once. Pure: codes in, codes out."""
    given = normalise_mapping(mapping)
    old_set, new_set = set(old_codes), set(new_codes)
    errors: dict[str, str] = {}
    for old in old_codes:
        if old in given:
            problem = _target_problem(old, given[old], new_set, new_name)
            if problem:
                errors[old] = problem
        elif old not in new_set:
            errors[old] = (
                f"{old} is not in {new_name}: say which of its codes {old} becomes, or retire it"
            )
    for old in given:
        if old not in old_set:
            errors[old] = f"{old} is not a code of {old_name}"
    if errors:
        unmapped = [old for old in old_codes if old not in given and old not in new_set]
        raise MappingInvalid(errors, unmapped)
    return {old: given.get(old, [old]) for old in old_codes}


def retire_the_unmapped(
    old_codes: Sequence[str], new_codes: Sequence[str], mapping: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """``mapping`` with every old code it leaves out, and the new version does not keep,
    retired: for replacing a whole taxonomy, where listing each retirement is only toil. Pure."""
    given = normalise_mapping(mapping)
    kept = set(new_codes)
    return {**given, **{old: [] for old in old_codes if old not in given and old not in kept}}


def normalise_mapping(mapping: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Ids trimmed, empty targets dropped, each target once in the order given."""
    return {
        old.strip(): list(dict.fromkeys(new.strip() for new in targets if new.strip()))
        for old, targets in mapping.items()
        if old.strip()
    }


def mapping_relations(
    full: Mapping[str, Sequence[str]],
    old_titles: Mapping[str, str],
    new_titles: Mapping[str, str],
) -> list[tuple[str, str, MappingRelation]]:
    """(old, new, relation) for every link of a complete mapping. Pure."""
    sources = Counter(new for targets in full.values() for new in targets)
    links: list[tuple[str, str, MappingRelation]] = []
    for old, targets in full.items():
        for new in targets:
            if len(targets) > 1:
                relation = MappingRelation.SPLIT
            elif sources[new] > 1:
                relation = MappingRelation.MERGED
            elif old == new and old_titles.get(old) == new_titles.get(new):
                relation = MappingRelation.SAME
            else:
                relation = MappingRelation.RENAMED
            links.append((old, new, relation))
    return links


def plan_mapping(
    session: Session,
    draft: TaxonomyVersion,
    mapping: Mapping[str, Sequence[str]],
    *,
    retire_unmapped: bool = False,
) -> MappingPlan:
    """Check ``mapping`` from the active version into ``draft`` and settle every link;
    ``retire_unmapped`` retires the removed codes the mapping leaves out instead of refusing.

    Writes nothing: ``activate`` records the plan. Raises ``NotADraft`` or ``MappingInvalid``.
    """
    if draft.status is not VersionStatus.DRAFT:
        raise NotADraft(draft)
    source = active_version(session)
    old_codes = {code.code: code for code in source.codes} if source else {}
    new_codes = {code.code: code for code in draft.codes}
    if retire_unmapped:
        mapping = retire_the_unmapped(list(old_codes), list(new_codes), mapping)
    full = check_mapping(
        list(old_codes),
        list(new_codes),
        mapping,
        old_name=f"version {source.number} (active)" if source else "any version: none is active",
        new_name=f"version {draft.number}",
    )
    relations = mapping_relations(
        full,
        {code: row.title for code, row in old_codes.items()},
        {code: row.title for code, row in new_codes.items()},
    )
    return MappingPlan(
        source=source,
        target=draft,
        links=tuple(
            PlannedLink(old_codes[old], new_codes[new], relation)
            for old, new, relation in relations
        ),
        retired=tuple(old for old, targets in full.items() if not targets),
    )


def activate(
    session: Session,
    draft: TaxonomyVersion,
    mapping: Mapping[str, Sequence[str]],
    *,
    actor: User | None = None,
    via: str = "web",
    retire_unmapped: bool = False,
) -> MappingPlan:
    """Record the mapping from the active version into ``draft``, retire the active version,
    activate ``draft`` and write it to the audit trail. Raises as ``plan_mapping`` does."""
    plan = plan_mapping(session, draft, mapping, retire_unmapped=retire_unmapped)
    _record_links(session, plan)
    activate_version(session, draft)
    audit.record(
        session,
        actor,
        "activate",
        "taxonomy_version",
        draft.number,
        {
            "previous_version": plan.source.number if plan.source else None,
            "mapped": plan.changes(),
            "retired": list(plan.retired),
            "via": via,
            # Said when the retirements were not listed one by one.
            **({"retire_unmapped": True} if retire_unmapped else {}),
        },
    )
    return plan


def _target_problem(old: str, targets: list[str], new_codes: set[str], new_name: str) -> str:
    unknown = [new for new in targets if new not in new_codes]
    if unknown:
        verb = "is" if len(unknown) == 1 else "are"
        return f"{old}: {', '.join(unknown)} {verb} not in {new_name}"
    if old in new_codes and old not in targets:
        # A kept id means the same factor: its reports stay under it, whatever else is added.
        return (
            f"{old} is kept in {new_name}, so its reports stay under it: include {old} "
            "among its codes to split it, or leave it out of the mapping"
        )
    return ""


def _record_links(session: Session, plan: MappingPlan) -> None:
    already = {
        (from_id, to_id)
        for from_id, to_id in session.execute(
            sa.select(TaxonomyCodeMapping.from_code_id, TaxonomyCodeMapping.to_code_id).where(
                TaxonomyCodeMapping.to_code_id.in_([code.id for code in plan.target.codes])
            )
        )
    }
    session.add_all(
        TaxonomyCodeMapping(
            from_code_id=link.old.id, to_code_id=link.new.id, relation=link.relation
        )
        for link in plan.links
        if (link.old.id, link.new.id) not in already
    )
    # Flushed before activate_version maps same ids, so it sees these links and adds no others.
    session.flush()


# -------------------------------------------------------------------- counting through mappings


def code_targets(
    session: Session, version: TaxonomyVersion, code_ids: Iterable[int]
) -> dict[int, frozenset[str]]:
    """For each code id (of any version), the codes of ``version`` its reports count under,
    following mappings from version to version (v1 → v2 → v3). Two queries in all.

    Mappings run forwards from each activation, so a code newer than ``version`` has no targets
    in it; nor has a retired code, or one whose chain never reaches ``version``.
    """
    in_version: dict[int, str] = dict(
        session.execute(
            sa.select(TaxonomyCode.id, TaxonomyCode.code).where(
                TaxonomyCode.version_id == version.id
            )
        ).all()
    )
    edges: dict[int, list[int]] = {}
    for from_id, to_id in session.execute(
        sa.select(TaxonomyCodeMapping.from_code_id, TaxonomyCodeMapping.to_code_id)
    ):
        edges.setdefault(from_id, []).append(to_id)
    return {code_id: _reach(code_id, in_version, edges) for code_id in set(code_ids)}


def report_codes_in(
    session: Session,
    version: TaxonomyVersion,
    report_ids: ReportIds = None,
    *,
    reviewer_only: bool = False,
) -> dict[int, frozenset[str]]:
    """Each report's factors as codes of ``version``, whatever version they were coded in.

    A report's factors are the codes a reviewer confirmed; a report no reviewer has confirmed
    any code for counts its reporter's ticks (less any a reviewer removed), so that new
    reports show in themes before the panel reaches them (``reviewer_only`` leaves those out,
    e.g. to train suggestions on reviewers' judgement alone). Codes are sets: a report whose two
    old codes merged into one counts once under it, and a split puts it under each new code
    once. Reports with no code in ``version`` are left out. A few queries, however many reports.
    """
    reviewer: dict[int, set[int]] = {}
    reporter: dict[int, set[int]] = {}
    for report_id, code_id, source in _counted_factors(session, report_ids):
        chosen = reviewer if source is FactorSource.REVIEWER else reporter
        chosen.setdefault(report_id, set()).add(code_id)
    coded = (
        {}
        if reviewer_only
        else {report_id: frozenset(codes) for report_id, codes in reporter.items()}
    )
    coded.update((report_id, frozenset(codes)) for report_id, codes in reviewer.items())
    targets = code_targets(session, version, {code for codes in coded.values() for code in codes})
    # Many reports share a set of old codes: translate each distinct set once.
    translated: dict[frozenset[int], frozenset[str]] = {}
    result: dict[int, frozenset[str]] = {}
    for report_id, codes in coded.items():
        if codes not in translated:
            translated[codes] = frozenset().union(*(targets[code] for code in codes))
        if translated[codes]:
            result[report_id] = translated[codes]
    return result


def reports_per_code(
    session: Session, version: TaxonomyVersion, report_ids: ReportIds = None
) -> Counter[str]:
    """How many reports count under each code of ``version`` (each report once per code)."""
    return Counter(
        code for codes in report_codes_in(session, version, report_ids).values() for code in codes
    )


def _counted_factors(session: Session, report_ids: ReportIds) -> Iterator[sa.Row[Any]]:
    """(report id, code id, source) of the factors that count: reviewer-confirmed codes and
    reporter ticks no reviewer removed."""
    query = sa.select(ReportFactor.report_id, ReportFactor.code_id, ReportFactor.source).where(
        sa.or_(
            sa.and_(
                ReportFactor.source == FactorSource.REVIEWER,
                ReportFactor.status == FactorStatus.CONFIRMED,
            ),
            sa.and_(
                ReportFactor.source == FactorSource.REPORTER,
                ReportFactor.status != FactorStatus.REMOVED,
            ),
        )
    )
    if report_ids is None:
        yield from session.execute(query.execution_options(yield_per=STREAM_BATCH))
    elif isinstance(report_ids, sa.Select):
        yield from session.execute(query.where(ReportFactor.report_id.in_(report_ids)))
    else:
        ids = sorted(set(report_ids))
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            yield from session.execute(query.where(ReportFactor.report_id.in_(chunk)))


def _reach(
    start: int, in_version: Mapping[int, str], edges: Mapping[int, list[int]]
) -> frozenset[str]:
    # Breadth-first, stopping at the target version's codes; ``seen`` guards against the cycles
    # that re-activating an older version leaves (v1 → v2 and back again).
    found: set[str] = set()
    seen = {start}
    queue = deque([start])
    while queue:
        code_id = queue.popleft()
        if code_id in in_version:
            found.add(in_version[code_id])
            continue
        for next_id in edges.get(code_id, ()):
            if next_id not in seen:
                seen.add(next_id)
                queue.append(next_id)
    return frozenset(found)


# ---------------------------------------------------------------------------------- browsing

# Typographic quotes are trimmed too, and a curly apostrophe reads as a straight one.
_TRIM = string.punctuation + "\u2018\u2019\u201c\u201d"
_APOSTROPHE = "\u2019"


def search_codes(codes: Iterable[TaxonomyCode], query: str) -> list[TaxonomyCode]:
    """The codes whose wording contains every word of ``query`` (any case, any order; a word
    may be the start of a longer one, so "supervis" finds supervision). Pure."""
    words = [word.strip(_TRIM) for word in query.casefold().replace(_APOSTROPHE, "'").split()]
    words = [word for word in words if word]
    if not words:
        return list(codes)
    return [code for code in codes if all(word in _wording(code) for word in words)]


def _wording(code: TaxonomyCode) -> str:
    parts = [code.code, code.title, code.definition, code.prompt, code.includes, *code.examples]
    return " ".join(parts).casefold().replace(_APOSTROPHE, "'")


def _spec(code: TaxonomyCode) -> CodeSpec:
    return CodeSpec(
        code=code.code,
        tier=code.tier,
        category=code.category,
        title=code.title,
        definition=code.definition,
        prompt=code.prompt,
        includes=code.includes,
        excludes=code.excludes,
        examples=tuple(code.examples),
        ycff_domain=code.ycff_domain,
    )
