"""What of a theme may be shown outside the review panel, as rules on plain codes and words.

The theme job reads raw narratives: its distinctive words can be a family's surname, a school, a
street. Outside the panel a theme is shown only once the panel has accepted it (the query for
that lives with the themes), with a title and words built from taxonomy codes and from text a
reviewer has confirmed as de-identified, and nothing else:

* words: the job's words that occur in the confirmed redacted text of the theme's own reports;
* title: the panel's title, unless it holds one of the job's words that is not confirmed (the
  panel was offered, or copied, a raw word), in which case the title built here replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from learnhub.core.permissions import Role

# Who may read a theme as the job found it, and counts exactly: the review panel.
PANEL_ROLES = frozenset({Role.REVIEWER})
TITLE_TERMS = 4
# A word as the theme job reads one; the job's terms are made of these.
WORD_PATTERN = re.compile(r"[a-z][a-z']+[a-z]")


def in_panel(role: Role | None) -> bool:
    return role in PANEL_ROLES


def words_in(text: str) -> set[str]:
    """The words of a text, each possessive also without its "'s", so that "Thistlewaite's"
    in a title is the job's word "thistlewaite"."""
    found = set(WORD_PATTERN.findall(text.lower()))
    return found | {word.removesuffix("'s") for word in found if word.endswith("'s")}


@dataclass(frozen=True)
class SharedTheme:
    """A theme as anyone outside the panel may see it."""

    title: str
    terms: list[str]
    # The panel's own title was replaced because it holds a word not yet de-identified.
    title_replaced: bool


def built_title(
    codes: Sequence[str],
    terms: Sequence[str] = (),
    *,
    factors: bool,
    code_titles: Mapping[str, str] | None = None,
) -> str:
    """A title from taxonomy codes, in the taxonomy's words (``code_titles``: code → title; a
    code it lacks, such as a retired one, stays an id), and from ``terms`` the caller knows may
    be shown; the theme job calls it with no terms, so a stored title never carries a word of
    the narratives. ``factors``: the theme is a combination of factors, not a story told in
    similar words."""
    names = " + ".join((code_titles or {}).get(code, code) for code in codes)
    words = listed(terms[:TITLE_TERMS])
    if factors:
        return names or "Recurring factors"
    if words and names:
        return f"Accounts mentioning {words}: {names}"
    if words:
        return f"Accounts mentioning {words}"
    if names:
        return f"Similar accounts: {names}"
    return "Accounts told in similar words"


def listed(words: Sequence[str]) -> str:
    """ "a, b and c"."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def shared_theme(
    *,
    accepted: bool,
    panel_title: str,
    factors: bool,
    codes: Sequence[str],
    terms: Sequence[str],
    confirmed: set[str],
    code_titles: Mapping[str, str] | None = None,
) -> SharedTheme:
    """The title and words of a theme whose job words ``terms`` include ``confirmed`` ones
    (found in its members' confirmed redacted text)."""
    shared_terms = [term for term in terms if term in confirmed]
    built = built_title(codes, shared_terms, factors=factors, code_titles=code_titles)
    if not accepted:
        # The job's title, never the panel's: only acceptance makes a title the panel's own.
        return SharedTheme(title=built, terms=shared_terms, title_replaced=False)
    if (set(terms) - confirmed) & words_in(panel_title):
        return SharedTheme(title=built, terms=shared_terms, title_replaced=True)
    return SharedTheme(title=panel_title, terms=shared_terms, title_replaced=False)
