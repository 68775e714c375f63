"""What of a theme may be shown outside the review panel (leaders, editors, bulletins, the public,
API tokens of anyone but a reviewer), in one place so every such surface asks the same question.

The theme job reads raw narratives: its distinctive words can be a family's surname, a school, a
street. Outside the panel a theme is therefore shown only once the panel has accepted it, with
a title and words built from taxonomy wording and from text a reviewer has confirmed as
de-identified (``Report.redacted`` with ``deidentified_on`` set), and nothing else:

* words: the job's words that occur in the confirmed redacted text of the theme's own reports;
* title: the panel's title, unless it holds one of the job's words that is not confirmed (the
  panel was offered, or copied, a raw word), in which case the title built here replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.permissions import Role
from learnhub.reports.models import Report
from learnhub.themes.detect import FACTOR_COMBINATION, words
from learnhub.themes.models import Theme, ThemeMember, ThemeStatus

# Who may read a theme as the job found it: the review panel.
PANEL_ROLES = frozenset({Role.REVIEWER})
# Themes shown outside the panel; candidates, dismissed and merged ones are the panel's business.
SHARED_STATUSES = (ThemeStatus.ACCEPTED,)
TITLE_TERMS = 4
_STREAM = 500


def in_panel(role: Role | None) -> bool:
    return role in PANEL_ROLES


@dataclass(frozen=True)
class SharedTheme:
    """A theme as anyone outside the panel may see it."""

    title: str
    terms: list[str]
    # The panel's own title was replaced because it holds a word not yet de-identified.
    title_replaced: bool


def built_title(kind: str, codes: Sequence[str], terms: Sequence[str] = ()) -> str:
    """A title from taxonomy codes and from ``terms`` the caller knows may be shown; the theme
    job calls it with no terms, so a stored title never carries a word of the narratives."""
    if kind == FACTOR_COMBINATION:
        return "Recurring factors: " + " + ".join(codes)
    if terms:
        return "Recurring story: " + ", ".join(terms[:TITLE_TERMS])
    if codes:
        return "Recurring story: " + " + ".join(codes)
    return "Recurring story told in similar words"


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
        .where(
            ThemeMember.theme_id.in_(looking),
            Report.deidentified_on.is_not(None),
            Report.redacted.is_not(None),
        )
        .execution_options(yield_per=_STREAM)
    )
    for theme_id, redacted in rows:
        missing = wanted[theme_id] - found[theme_id]
        if not missing or not redacted:
            continue
        text = "\n".join(str(value or "") for value in redacted.values())
        found[theme_id] |= missing & set(words(text))
    return found


def shared_theme(theme: Theme, confirmed: set[str]) -> SharedTheme:
    terms = [term for term in theme.terms or () if term in confirmed]
    raw = set(theme.terms or ()) - confirmed
    built = built_title(theme.kind.value, list(theme.defining_codes or ()), terms)
    if theme.status is not ThemeStatus.ACCEPTED:
        # The job's title, never the panel's: only acceptance makes a title the panel's own.
        return SharedTheme(title=built, terms=terms, title_replaced=False)
    if raw & set(words(theme.title)):
        return SharedTheme(title=built, terms=terms, title_replaced=True)
    return SharedTheme(title=theme.title, terms=terms, title_replaced=False)


def shared_themes(session: Session, themes: Sequence[Theme]) -> dict[int, SharedTheme]:
    """Each theme (by id) as it may be shown outside the panel, read in one query."""
    confirmed = confirmed_terms(session, themes)
    return {t.id: shared_theme(t, confirmed[t.id]) for t in themes}


def shared_query() -> sa.Select[tuple[Theme]]:
    """The themes that may be listed outside the panel."""
    return sa.select(Theme).where(Theme.status.in_(SHARED_STATUSES))


def is_shared(theme: Theme) -> bool:
    return theme.status in SHARED_STATUSES
