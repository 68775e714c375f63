"""The review panel's decisions on themes: the candidate list, a theme's evidence, and accepting,
merging, dismissing and following an accepted theme's learning. Services only: they flush, the
caller commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.auth.models import User
from learnhub.core.text import one_line_problem
from learnhub.core.time import utcnow
from learnhub.core.words import shorten
from learnhub.disclosure.text import shareable_answers, shareable_reports
from learnhub.reports.models import Report
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import TaxonomyCode
from learnhub.themes.models import LearningStatus, Theme, ThemeKind, ThemeMember, ThemeStatus

EXCERPT_LIMIT = 5
EXCERPT_LENGTH = 400
MEMBER_LIMIT = 200
# Themes the panel is still working with: a merge can only land in one of these.
OPEN_STATUSES = (ThemeStatus.CANDIDATE, ThemeStatus.ACCEPTED)


class ThemeDecisionRefused(Exception):
    """A decision that cannot be taken on this theme, with a message per form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def score(theme: Theme) -> float:
    """How strong the evidence is: lift for code combinations, closeness for text clusters."""
    statistics = theme.statistics or {}
    value = statistics.get("lift") or statistics.get("tightness") or 0.0
    return float(value)


def candidate_themes(session: Session) -> list[Theme]:
    """Candidates for the panel: rising ones first, then the strongest, then the largest."""
    themes = session.scalars(sa.select(Theme).where(Theme.status == ThemeStatus.CANDIDATE))
    return sorted(themes, key=lambda t: (not t.is_rising, -score(t), -t.member_count, t.id))


def accepted_themes(session: Session, learning_status: LearningStatus | None = None) -> list[Theme]:
    query = sa.select(Theme).where(Theme.status == ThemeStatus.ACCEPTED)
    if learning_status is not None:
        query = query.where(Theme.learning_status == learning_status)
    themes = session.scalars(query)
    return sorted(themes, key=lambda t: (not t.is_rising, -t.member_count, t.id))


def merge_targets(session: Session, theme: Theme) -> list[Theme]:
    """The themes another can be merged into: open ones, accepted first, not itself."""
    themes = session.scalars(
        sa.select(Theme).where(Theme.status.in_(OPEN_STATUSES), Theme.id != theme.id)
    )
    return sorted(themes, key=lambda t: (t.status != ThemeStatus.ACCEPTED, t.title.lower(), t.id))


# --- evidence -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    reference: str
    month: dt.date
    answers: list[tuple[str, str]]  # (field name, redacted text), only fields with text


@dataclass(frozen=True)
class Evidence:
    theme: Theme
    members: list[Report]  # the first MEMBER_LIMIT, newest first
    member_total: int
    codes: list[tuple[str, str]]  # (code, title); the title is "" when the code is not known
    excerpts: list[Excerpt]
    not_deidentified: int
    statistics: list[tuple[str, str]]  # (what, in plain English)


def excerpt_of(report: Report) -> Excerpt | None:
    """The reviewer-confirmed redacted answers, and nothing else; None until there are some."""
    shareable = shareable_answers(report)
    if shareable is None:
        return None
    answers = [
        (name, shorten(text, EXCERPT_LENGTH)) for name, text in shareable.items() if text.strip()
    ]
    if not answers:
        return None
    return Excerpt(reference=report.reference, month=report.event_month, answers=answers)


def _members(theme: Theme) -> sa.Select[tuple[Report]]:
    return (
        sa.select(Report)
        .join(ThemeMember, ThemeMember.report_id == Report.id)
        .where(ThemeMember.theme_id == theme.id)
        .order_by(Report.event_month.desc(), Report.reference)
    )


def member_reports(session: Session, theme: Theme, limit: int | None = None) -> list[Report]:
    return list(session.scalars(_members(theme).limit(limit)))


def member_counts(session: Session, theme: Theme) -> tuple[int, int]:
    """How many member reports there are, and how many are not de-identified yet."""
    total, waiting = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.case((Report.deidentified_on.is_(None), 1))),
        )
        .select_from(ThemeMember)
        .join(Report, Report.id == ThemeMember.report_id)
        .where(ThemeMember.theme_id == theme.id)
    ).one()
    return int(total), int(waiting)


def excerpts_of(session: Session, theme: Theme, limit: int) -> list[Excerpt]:
    found = []
    candidates = session.scalars(_members(theme).where(*shareable_reports()).limit(limit * 4))
    for report in candidates:
        excerpt = excerpt_of(report)
        if excerpt is not None:
            found.append(excerpt)
        if len(found) >= limit:
            break
    return found


def code_titles(session: Session, codes: list[str]) -> list[tuple[str, str]]:
    version = taxonomy.active_version(session)
    titles: dict[str, str] = {}
    if version is not None and codes:
        titles = dict(
            session.execute(
                sa.select(TaxonomyCode.code, TaxonomyCode.title).where(
                    TaxonomyCode.version_id == version.id, TaxonomyCode.code.in_(codes)
                )
            ).all()
        )
    return [(code, titles.get(code, "")) for code in codes]


def _number(value: Any, digits: int = 2) -> str:
    if value is None:
        return "not measured"
    return f"{float(value):.{digits}f}"


def _p(value: Any) -> str:
    if value is None:
        return "not measured"
    value = float(value)
    return "less than 0.0001" if value < 0.0001 else f"{value:.4f}"


def statistics_in_words(theme: Theme) -> list[tuple[str, str]]:
    """The run's statistics as a reviewer would say them."""
    s = theme.statistics or {}
    rows = [
        (
            "Support",
            f"{s.get('support', theme.member_count)} reports in {s.get('months', '?')} different "
            f"months, out of {s.get('reports_in_window', '?')} reports in the window",
        )
    ]
    if theme.kind is ThemeKind.FACTOR_COMBINATION and "lift" in s:
        rows.append(
            (
                "Expected by chance",
                f"{_number(s.get('expected'), 1)} reports if these factors were unrelated",
            )
        )
        rows.append(
            (
                "Lift",
                f"{_number(s.get('lift'))} times as many reports as chance predicts",
            )
        )
    if "p_value" in s:
        rows.append(
            (
                "How likely by chance",
                f"p = {_p(s.get('p_value'))} ({s.get('test', 'test')}); "
                f"q = {_p(s.get('adjusted_p_value'))} after correcting for the "
                f"{s.get('tests', 'many')} combinations tried (Benjamini-Hochberg)",
            )
        )
    if theme.kind is ThemeKind.TEXT_CLUSTER:
        rows.append(
            (
                "How alike the reports are",
                f"average similarity {_number(s.get('tightness'))} between members' wording "
                "(0 is unrelated, 1 is identical)",
            )
        )
        if "chance_tightness" in s:
            rows.append(
                (
                    "How alike by chance",
                    f"{_number(s.get('chance_tightness'))}: the closest group found when the same "
                    "reports' words are dealt out at random; this theme is closer, allowing "
                    f"{_number(s.get('tightness_standard_error'))} for its size",
                )
            )
    reason = s.get("rising_reason")
    rows.append(("Rising", reason[:1].upper() + reason[1:] if reason else "Not measured"))
    if s.get("merged_from"):
        rows.append(("Merged in", f"{len(s['merged_from'])} other theme(s) merged into this one"))
    return rows


def evidence(session: Session, theme: Theme, excerpt_limit: int = EXCERPT_LIMIT) -> Evidence:
    total, waiting = member_counts(session, theme)
    return Evidence(
        theme=theme,
        members=member_reports(session, theme, MEMBER_LIMIT),
        member_total=total,
        codes=code_titles(session, list(theme.defining_codes)),
        excerpts=excerpts_of(session, theme, excerpt_limit),
        not_deidentified=waiting,
        statistics=statistics_in_words(theme),
    )


# --- decisions ----------------------------------------------------------------------------------


def _decided(theme: Theme, user: User | None) -> None:
    theme.decided_by_id = user.id if user else None
    theme.decided_at = utcnow()


def _require_candidate(theme: Theme, action: str) -> None:
    if theme.status is not ThemeStatus.CANDIDATE:
        raise ThemeDecisionRefused(
            {"status": f"Only a candidate theme can be {action}; this one is {theme.status.value}"}
        )


def _required(
    errors: dict[str, str], name: str, value: str, what: tuple[str, str], limit: int
) -> str:
    """``what``: (the message when empty, what the field is called in the too-long message)."""
    value = (value or "").strip()
    if not value:
        errors[name] = what[0]
    elif len(value) > limit:
        errors[name] = f"{what[1]} must be {limit:,} characters or fewer"
    return value


def accept(
    session: Session,
    theme: Theme,
    user: User | None,
    *,
    title: str,
    summary: str,
    owner: str,
    learning_status: LearningStatus = LearningStatus.MONITORING,
) -> Theme:
    """Accept a candidate with the panel's own title, summary and owner (a team or role)."""
    _require_candidate(theme, "accepted")
    errors: dict[str, str] = {}
    title = _required(errors, "title", title, ("Enter a title for the theme", "Title"), 200)
    summary = _required(
        errors, "summary", summary, ("Enter a summary of the theme", "Summary"), 5000
    )
    owner = _required(
        errors, "owner", owner, ("Enter the team or role that owns the theme", "Owner"), 200
    )
    # The title heads the theme in bulletins and feeds: one line only.
    if "title" not in errors and (problem := one_line_problem("Title", title)):
        errors["title"] = problem
    if errors:
        raise ThemeDecisionRefused(errors)
    theme.title, theme.summary, theme.owner = title, summary, owner
    theme.status = ThemeStatus.ACCEPTED
    theme.learning_status = learning_status
    _decided(theme, user)
    session.flush()
    return theme


def dismiss(session: Session, theme: Theme, user: User | None, *, reason: str) -> Theme:
    """Dismiss a candidate; the job proposes it again only once it has clearly grown."""
    _require_candidate(theme, "dismissed")
    errors: dict[str, str] = {}
    reason = _required(
        errors, "reason", reason, ("Enter why the panel is dismissing this theme", "Reason"), 5000
    )
    if errors:
        raise ThemeDecisionRefused(errors)
    theme.status = ThemeStatus.DISMISSED
    theme.dismissed_reason = reason
    theme.dismissed_member_count = theme.member_count
    _decided(theme, user)
    session.flush()
    return theme


def recount(session: Session, theme: Theme) -> None:
    """Member count and monthly counts from the theme's stored members."""
    months = session.execute(
        sa.select(Report.event_month, sa.func.count())
        .join(ThemeMember, ThemeMember.report_id == Report.id)
        .where(ThemeMember.theme_id == theme.id)
        .group_by(Report.event_month)
    ).all()
    counts = dict.fromkeys(theme.monthly_counts or {}, 0)
    for month, count in months:
        counts[f"{month:%Y-%m}"] = int(count)
    theme.monthly_counts = dict(sorted(counts.items()))
    theme.member_count = sum(int(count) for _month, count in months)


def absorb_members(session: Session, target: Theme, report_ids: set[int]) -> None:
    """Add reports to a theme's members (those it already has are left alone)."""
    held = set(
        session.scalars(sa.select(ThemeMember.report_id).where(ThemeMember.theme_id == target.id))
    )
    session.add_all(
        ThemeMember(theme_id=target.id, report_id=report_id)
        for report_id in sorted(report_ids - held)
    )
    session.flush()


def merge(session: Session, theme: Theme, into: Theme | None, user: User | None) -> Theme:
    """Merge a candidate into another open theme: its members and codes join that theme.

    The merged theme keeps its own member list as a record, so the job still recognises it and
    holds it back (like a dismissed theme) unless it clearly grows.
    """
    _require_candidate(theme, "merged")
    if into is None or into.id == theme.id or into.status not in OPEN_STATUSES:
        raise ThemeDecisionRefused(
            {"into": "Choose a candidate or accepted theme to merge this one into"}
        )
    members = set(
        session.scalars(sa.select(ThemeMember.report_id).where(ThemeMember.theme_id == theme.id))
    )
    absorb_members(session, into, members)
    into.defining_codes = list(dict.fromkeys([*into.defining_codes, *theme.defining_codes]))
    into.terms = list(dict.fromkeys([*into.terms, *theme.terms]))
    into.statistics = {
        **(into.statistics or {}),
        "merged_from": sorted({*(into.statistics or {}).get("merged_from", []), theme.id}),
    }
    recount(session, into)
    theme.status = ThemeStatus.MERGED
    theme.merged_into_id = into.id
    theme.dismissed_member_count = theme.member_count
    _decided(theme, user)
    session.flush()
    return into


def set_learning_status(
    session: Session, theme: Theme, learning_status: LearningStatus, user: User | None
) -> Theme:
    if theme.status is not ThemeStatus.ACCEPTED:
        raise ThemeDecisionRefused(
            {"learning_status": "Only an accepted theme has a learning status"}
        )
    theme.learning_status = learning_status
    _decided(theme, user)
    session.flush()
    return theme


def merged_into(session: Session, theme: Theme) -> Theme | None:
    return session.get(Theme, theme.merged_into_id) if theme.merged_into_id else None


def themes_for_report(session: Session, report: Report) -> list[Theme]:
    """The candidate and accepted themes a report belongs to, for links from its page."""
    themes = session.scalars(
        sa.select(Theme)
        .join(ThemeMember, ThemeMember.theme_id == Theme.id)
        .where(ThemeMember.report_id == report.id, Theme.status.in_(OPEN_STATUSES))
    )
    # Accepted first; sorted here because the databases order enum columns differently.
    return sorted(themes, key=lambda t: (t.status is not ThemeStatus.ACCEPTED, t.title, t.id))
