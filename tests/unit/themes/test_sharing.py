"""What of a theme leaves the review panel, on plain themes (no database): the disclosure
rules as ``learnhub.themes.sharing`` applies them to a Theme."""

from __future__ import annotations

import pytest

from learnhub.themes.detect import Candidate
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from learnhub.themes.services import title_for
from learnhub.themes.sharing import is_shared, shared_theme


def story(status: ThemeStatus = ThemeStatus.ACCEPTED, title: str = "", codes=()) -> Theme:
    return Theme(
        kind=ThemeKind.TEXT_CLUSTER,
        status=status,
        title=title or "Children miss school when transport fails",
        terms=["taxi", "thistlewaite", "transport", "lost", "waited"],
        defining_codes=list(codes),
    )


def test_the_job_titles_a_story_without_its_words() -> None:
    candidate = Candidate(
        signature="text:1",
        kind="text_cluster",
        codes=("PRE-FAM-2",),
        terms=("thistlewaite", "transport"),
        members=(1, 2, 3),
        monthly_counts={},
        statistics={},
        rising=False,
        rising_reason="",
    )
    titles = {"PRE-FAM-2": "Family circumstances", "WW-3": "Workload"}
    assert title_for(candidate, titles) == "Similar accounts: Family circumstances"
    assert title_for(Candidate(**{**candidate.__dict__, "codes": ()}), titles) == (
        "Accounts told in similar words"
    )
    factors = Candidate(
        **{**candidate.__dict__, "kind": "factor_combination", "codes": ("PRE-FAM-2", "WW-3")}
    )
    assert title_for(factors, titles) == "Family circumstances + Workload"


def test_only_confirmed_words_are_shared() -> None:
    shared = shared_theme(story(), {"transport", "lost"})
    assert shared.terms == ["transport", "lost"]
    assert shared.title == "Children miss school when transport fails"
    assert not shared.title_replaced


@pytest.mark.parametrize(
    "title",
    ["The Thistlewaite family's transport", "THISTLEWAITE", "Accounts mentioning thistlewaite"],
)
def test_a_panel_title_with_an_unconfirmed_word_is_replaced(title: str) -> None:
    shared = shared_theme(story(title=title), {"taxi", "transport"})
    assert shared.title == "Accounts mentioning taxi and transport"
    assert shared.title_replaced
    assert "thistlewaite" not in shared.title.lower()


def test_a_word_a_reviewer_kept_in_the_redacted_text_may_be_shared() -> None:
    confirmed = {"thistlewaite", "transport"}
    shared = shared_theme(story(title="The Thistlewaite family"), confirmed)
    assert shared.title == "The Thistlewaite family"
    assert shared.terms == ["thistlewaite", "transport"]


def test_a_theme_not_accepted_never_carries_its_stored_title() -> None:
    shared = shared_theme(story(ThemeStatus.CANDIDATE, title="anything at all"), set())
    assert shared.title == "Accounts told in similar words"
    assert shared.terms == []
    dismissed = story(ThemeStatus.DISMISSED, codes=["ORG-1"])
    assert shared_theme(dismissed, set(), {"ORG-1": "Staffing levels"}).title == (
        "Similar accounts: Staffing levels"
    )


def test_only_accepted_themes_leave_the_panel() -> None:
    assert [s for s in ThemeStatus if is_shared(Theme(status=s))] == [ThemeStatus.ACCEPTED]
