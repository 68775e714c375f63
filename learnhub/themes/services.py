"""The theme job on the database: read the window, detect, reconcile with stored themes, record
the run. These flush; the job (learnhub/themes/jobs.py) commits the run's record first and the
themes in one transaction after, so a crash mid-run leaves the previous themes as they were and
the run marked as failed."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.time import add_months, month_start, utcnow
from learnhub.disclosure.themes import built_title
from learnhub.reports.models import Report
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.versions import report_codes_in
from learnhub.themes import detect, triage
from learnhub.themes.models import (
    RunStatus,
    Theme,
    ThemeKind,
    ThemeMember,
    ThemeRun,
    ThemeStatus,
)
from learnhub.themes.sharing import code_titles

TEXT_FIELDS = ("narrative", "what_made_it_likely")
TITLE_LENGTH = 200  # Theme.title's column
WINDOW_BATCH = 10_000  # reports read from the database at a time


def window_start(today: dt.date, parameters: detect.DetectionParameters) -> dt.date:
    """The first month of the window that ends in ``today``'s month."""
    return add_months(month_start(today), -(parameters.window_months - 1))


def window_reports(
    session: Session, today: dt.date, parameters: detect.DetectionParameters
) -> detect.ReportColumns:
    """The window's reports as they stood on ``today``: received by then, with an event month
    in the window ending that month (a past ``today`` leaves out every later report). Read in
    batches into arrays (``detect.ReportColumns``): two million reports are one Python object
    each only while their batch is read."""
    in_window = (
        Report.event_month >= window_start(today, parameters),
        Report.event_month <= month_start(today),
        Report.received_on <= today,
    )
    version = taxonomy.active_version(session)
    ids = sa.select(Report.id).where(*in_window)
    codes = report_codes_in(session, version, ids) if version else {}
    rows = session.execute(
        sa.select(Report.id, Report.event_month, Report.narrative, Report.what_made_it_likely)
        .where(*in_window)
        .order_by(Report.id)
        .execution_options(yield_per=WINDOW_BATCH)
    )
    builder = detect.ColumnsBuilder()
    for rid, month, narrative, likely in rows:
        builder.add(rid, month, codes.get(rid, ()), f"{narrative or ''}\n{likely or ''}")
    return builder.build()


def input_digest(reports: detect.ReportColumns) -> str:
    """A digest of everything the run read (ids, months, codes, texts), the same for the same
    input whatever order its codes came in; arrays are hashed whole, texts one by one."""
    digest = hashlib.sha256()
    digest.update(reports.ids.astype("<i8").tobytes())
    digest.update(reports.months.astype("<i4").tobytes())
    names = sorted(reports.code_names)
    rank = np.array([names.index(name) for name in reports.code_names], dtype=np.int64)
    row = np.repeat(np.arange(len(reports)), np.diff(reports.code_pointers))
    codes = rank[reports.code_indices] if len(rank) else np.zeros(0, dtype=np.int64)
    digest.update("\n".join(names).encode())
    digest.update(reports.code_pointers.astype("<i8").tobytes())
    digest.update(np.sort(row * len(names) + codes).astype("<i8").tobytes())
    for text in reports.texts:
        encoded = text.encode()
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()


def existing_themes(session: Session) -> list[detect.ExistingTheme]:
    members: dict[int, set[int]] = {}
    for theme_id, report_id in session.execute(
        sa.select(ThemeMember.theme_id, ThemeMember.report_id)
    ):
        members.setdefault(theme_id, set()).add(report_id)
    return [
        detect.ExistingTheme(
            id=t.id,
            signature=t.signature,
            status=t.status.value,
            codes=tuple(t.defining_codes),
            members=frozenset(members.get(t.id, ())),
            dismissed_member_count=t.dismissed_member_count,
            kind=t.kind.value,
        )
        for t in session.scalars(sa.select(Theme).order_by(Theme.id))
    ]


def title_for(candidate: detect.Candidate, code_titles: Mapping[str, str] | None = None) -> str:
    # Never from the candidate's words: they come from narratives no reviewer has de-identified.
    # The panel reads them as the theme's terms.
    return job_title(candidate.codes, candidate.kind == detect.FACTOR_COMBINATION, code_titles)


def job_title(codes: Sequence[str], factors: bool, code_titles: Mapping[str, str] | None) -> str:
    return built_title(codes, factors=factors, code_titles=code_titles)[:TITLE_LENGTH]


def legacy_job_title(codes: Sequence[str], factors: bool) -> str:
    """The title the job gave before titles were in the taxonomy's words (code ids)."""
    if factors:
        return "Recurring factors: " + " + ".join(codes)
    return (
        "Recurring story: " + " + ".join(codes)
        if codes
        else "Recurring story told in similar words"
    )


def titled_by_the_job(theme: Theme, code_titles: Mapping[str, str]) -> bool:
    """The theme still has the title the job built for its codes: the panel never edited it."""
    factors = theme.kind is ThemeKind.FACTOR_COMBINATION
    codes = list(theme.defining_codes or ())
    return theme.title in (
        job_title(codes, factors, code_titles),
        legacy_job_title(codes, factors),
    )


def apply_candidate(
    session: Session,
    theme: Theme,
    candidate: detect.Candidate,
    run: ThemeRun,
    code_titles: Mapping[str, str] | None = None,
) -> None:
    code_titles = code_titles or {}
    if titled_by_the_job(theme, code_titles):
        # A title the panel wrote stays; the job's own follows the codes and the taxonomy.
        theme.title = title_for(candidate, code_titles)
    theme.defining_codes = list(candidate.codes)
    theme.terms = list(candidate.terms)
    theme.member_count = len(candidate.members)
    theme.monthly_counts = dict(candidate.monthly_counts)
    theme.statistics = {**candidate.statistics, "rising_reason": candidate.rising_reason}
    theme.is_rising = candidate.rising
    theme.last_run_id = run.id
    session.execute(sa.delete(ThemeMember).where(ThemeMember.theme_id == theme.id))
    session.add_all(ThemeMember(theme_id=theme.id, report_id=rid) for rid in candidate.members)
    keep_merged_members(session, theme)


def keep_merged_members(session: Session, theme: Theme) -> None:
    """The panel merged other themes into this one: their members and codes stay with it."""
    merged = session.scalars(sa.select(Theme).where(Theme.merged_into_id == theme.id)).all()
    merged = [t for t in merged if t.status is ThemeStatus.MERGED]
    if not merged:
        return
    session.flush()
    report_ids = set(
        session.scalars(
            sa.select(ThemeMember.report_id).where(ThemeMember.theme_id.in_([t.id for t in merged]))
        )
    )
    triage.absorb_members(session, theme, report_ids)
    theme.defining_codes = list(
        dict.fromkeys([*theme.defining_codes, *(c for t in merged for c in t.defining_codes)])
    )
    theme.statistics = {**theme.statistics, "merged_from": sorted(t.id for t in merged)}
    triage.recount(session, theme)


def record_reconciliation(
    session: Session, reconciliation: detect.Reconciliation, run: ThemeRun
) -> None:
    themes = {t.id: t for t in session.scalars(sa.select(Theme))}
    titles = code_titles(session)
    # Re-proposed first: a merged theme that grew back stands alone again before its old
    # target is updated.
    for theme_id in reconciliation.reproposed:
        themes[theme_id].status = ThemeStatus.CANDIDATE
        themes[theme_id].merged_into_id = None
    for theme_id, candidate in reconciliation.matched.items():
        apply_candidate(session, themes[theme_id], candidate, run, titles)
    for theme_id in reconciliation.retired:
        themes[theme_id].status = ThemeStatus.RETIRED
    for candidate in reconciliation.new:
        theme = Theme(
            signature=candidate.signature,
            kind=ThemeKind(candidate.kind),
            status=ThemeStatus.CANDIDATE,
            title=title_for(candidate, titles),
            first_run_id=run.id,
        )
        session.add(theme)
        session.flush()
        apply_candidate(session, theme, candidate, run, titles)
    run.candidates_new = len(reconciliation.new)
    run.candidates_updated = len(reconciliation.matched)
    run.candidates_retired = len(reconciliation.retired)


INTERRUPTED = "Interrupted: the process ended before the run finished"


def close_interrupted_runs(session: Session) -> None:
    """Runs still marked running belong to a process that died: only one run holds the lease."""
    session.execute(
        sa.update(ThemeRun)
        .where(ThemeRun.status == RunStatus.RUNNING)
        .values(status=RunStatus.FAILED, error=INTERRUPTED)
    )


def start_run(session: Session, today: dt.date, parameters: detect.DetectionParameters) -> ThemeRun:
    """The run's record, marked running (runs left running by a dead process marked failed)."""
    close_interrupted_runs(session)
    run = ThemeRun(status=RunStatus.RUNNING, parameters={**asdict(parameters), "today": str(today)})
    session.add(run)
    session.flush()
    return run


def record_results(
    session: Session,
    run: ThemeRun,
    today: dt.date,
    parameters: detect.DetectionParameters,
    started: float,
    cache: detect.WordCache | None = None,
) -> None:
    """Detect over the window and reconcile with the stored themes; the run is marked done.
    ``cache``: the previous run's words (``detect.WordCache``), kept by the scheduler process."""
    reports = window_reports(session, today, parameters)
    run.reports_read, run.input_digest = len(reports), input_digest(reports)
    found = detect.detect(reports, today=today, parameters=parameters, cache=cache)
    record_reconciliation(session, detect.reconcile(existing_themes(session), found), run)
    run.status, run.finished_at = RunStatus.SUCCEEDED, utcnow()
    run.duration_ms = elapsed_ms(started)
    session.flush()


@dataclass(frozen=True)
class MemberPage:
    total: int
    reports: list[Report]


def member_reports(session: Session, theme_id: int, *, offset: int, limit: int) -> MemberPage:
    """One page of a theme's reports, newest received first (ties by id, so pages never
    overlap), and how many there are in all."""
    is_member = sa.select(ThemeMember.report_id).where(ThemeMember.theme_id == theme_id)
    total = session.scalar(
        sa.select(sa.func.count()).select_from(ThemeMember).where(ThemeMember.theme_id == theme_id)
    )
    reports = session.scalars(
        sa.select(Report)
        .where(Report.id.in_(is_member))
        .order_by(Report.received_on.desc(), Report.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return MemberPage(total=total or 0, reports=list(reports))


@dataclass(frozen=True)
class PastTheme:
    """A theme found by a run as of a past day (printed, never stored)."""

    title: str
    codes: tuple[str, ...]
    members: int
    rising: bool
    rising_reason: str


@dataclass(frozen=True)
class PastAnalysis:
    first_month: dt.date
    reports_read: int
    themes: list[PastTheme]


def analyse_as_of(
    session: Session, as_of: dt.date, parameters: detect.DetectionParameters
) -> PastAnalysis:
    """The themes the job would have found on ``as_of``, from the reports received by then;
    stored themes and runs are not touched. Reports' codes are read as they are now."""
    reports = window_reports(session, as_of, parameters)
    titles = code_titles(session)
    found = detect.detect(reports, today=as_of, parameters=parameters)
    return PastAnalysis(
        first_month=window_start(as_of, parameters),
        reports_read=len(reports),
        themes=[
            PastTheme(
                title=title_for(c, titles),
                codes=c.codes,
                members=len(c.members),
                rising=c.rising,
                rising_reason=c.rising_reason,
            )
            for c in found
        ],
    )


def record_failure(session: Session, run_id: int, started: float, error: str) -> None:
    failed = session.get(ThemeRun, run_id)
    failed.status, failed.finished_at = RunStatus.FAILED, utcnow()
    failed.error = error[-4000:]
    failed.duration_ms = elapsed_ms(started)
    session.flush()


def elapsed_ms(started: float) -> int:
    """Since ``started``, a ``time.monotonic()`` reading."""
    return int((time.monotonic() - started) * 1000)
