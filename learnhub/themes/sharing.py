"""Which themes leave the review panel, and how each reads there: the themes' side of the
disclosure rules (``learnhub.disclosure``), for every surface outside the panel (leaders,
editors, bulletins, the public, API tokens of anyone but a reviewer).

Outside the panel a theme is shown only once the panel has accepted it, titled and worded as
``learnhub.disclosure.themes`` decides from the words found in its members' reviewer-confirmed
redacted text, and counted as ``learnhub.disclosure.counts`` publishes counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.disclosure import counts, text
from learnhub.disclosure.themes import SharedTheme, words_in
from learnhub.disclosure.themes import shared_theme as shared_rule
from learnhub.reports.models import Report
from learnhub.taxonomy import services as taxonomy
from learnhub.themes.models import Theme, ThemeKind, ThemeMember, ThemeStatus

# Themes shown outside the panel; candidates, dismissed and merged ones are the panel's business.
SHARED_STATUSES = (ThemeStatus.ACCEPTED,)
_STREAM = 500


def confirmed_terms(session: Session, themes: Iterable[Theme]) -> dict[int, set[str]]:
    """For each theme, which of its job words occur in its members' confirmed redacted text.

    Reads redacted text only (never a narrative), streamed, and stops looking for a theme once
    every one of its words has been found.
    """
    wanted = {t.id: set(t.terms or ()) for t in themes}
    found: dict[int, set[str]] = {theme_id: set() for theme_id in wanted}
    looking = [theme_id for theme_id, terms in wanted.items() if terms]
    if not looking:
        return found
    rows = session.execute(
        sa.select(ThemeMember.theme_id, Report.redacted)
        .join(Report, Report.id == ThemeMember.report_id)
        .where(ThemeMember.theme_id.in_(looking), *text.shareable_reports())
        .execution_options(yield_per=_STREAM)
    )
    for theme_id, redacted in rows:
        missing = wanted[theme_id] - found[theme_id]
        if not missing or not redacted:
            continue
        found[theme_id] |= missing & words_in(text.confirmed_text(redacted))
    return found


def code_titles(session: Session) -> dict[str, str]:
    """Code → title in the active taxonomy: themes are titled in the taxonomy's words."""
    version = taxonomy.active_version(session)
    return {code.code: code.title for code in version.codes} if version else {}


def shared_theme(
    theme: Theme, confirmed: set[str], titles: Mapping[str, str] | None = None
) -> SharedTheme:
    return shared_rule(
        accepted=theme.status is ThemeStatus.ACCEPTED,
        panel_title=theme.title,
        factors=theme.kind is ThemeKind.FACTOR_COMBINATION,
        codes=list(theme.defining_codes or ()),
        terms=list(theme.terms or ()),
        confirmed=confirmed,
        code_titles=titles,
    )


def shared_themes(session: Session, themes: Sequence[Theme]) -> dict[int, SharedTheme]:
    """Each theme (by id) as it may be shown outside the panel, read in one query."""
    confirmed = confirmed_terms(session, themes)
    titles = code_titles(session) if themes else {}
    return {t.id: shared_theme(t, confirmed[t.id], titles) for t in themes}


def shared_query() -> sa.Select[tuple[Theme]]:
    """The themes that may be listed outside the panel."""
    return sa.select(Theme).where(Theme.status.in_(SHARED_STATUSES))


def is_shared(theme: Theme) -> bool:
    return theme.status in SHARED_STATUSES


@dataclass(frozen=True)
class SharedCounts:
    """A theme's report counts as a non-reviewer sees them, wherever they are shown."""

    members: counts.Cell
    months: dict[str, counts.Cell]  # "YYYY-MM" → cell, for the months the theme has counts

    def month(self, key: str) -> counts.Cell:
        """A month of the theme's line; a month with no reports is zero."""
        return self.months.get(key, counts.Cell(0, False))


def shared_counts(theme: Theme, k: int) -> SharedCounts:
    """The member count and the monthly counts, hidden and rounded as every surface shows
    them: the months are one line (secondary hiding decided over all of them), so a page that
    shows only the last twelve shows the same cells as one that shows them all."""
    monthly = dict(sorted((theme.monthly_counts or {}).items()))
    months, _ = counts.publish_keyed({key: int(n) for key, n in monthly.items()}, k)
    return SharedCounts(members=counts.publish(theme.member_count, k), months=months)
