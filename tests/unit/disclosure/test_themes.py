"""The theme rules of ``learnhub.disclosure.themes`` on plain codes and words."""

from __future__ import annotations

from learnhub.core.permissions import Role
from learnhub.disclosure.themes import built_title, in_panel, shared_theme, words_in


def test_built_titles() -> None:
    assert built_title(["A-1", "B-2"], ["ignored"], factors=True) == (
        "Recurring factors: A-1 + B-2"
    )
    assert built_title(["A-1"], ["a", "b", "c", "d", "e"], factors=False) == (
        "Recurring story: a, b, c, d"
    )
    assert built_title(["A-1"], factors=False) == "Recurring story: A-1"
    assert built_title([], factors=False) == "Recurring story told in similar words"


def test_only_reviewers_are_the_panel() -> None:
    assert [role for role in Role if in_panel(role)] == [Role.REVIEWER]
    assert not in_panel(None)


def rule(title: str, confirmed: set[str], accepted: bool = True) -> tuple[str, list[str], bool]:
    shared = shared_theme(
        accepted=accepted,
        panel_title=title,
        factors=False,
        codes=["PRE-FAM-2"],
        terms=["taxi", "thistlewaite", "transport"],
        confirmed=confirmed,
    )
    return shared.title, shared.terms, shared.title_replaced


def test_a_title_is_checked_word_by_word_against_unconfirmed_job_words() -> None:
    assert rule("Taxi trouble", {"taxi"}) == ("Taxi trouble", ["taxi"], False)
    # "thistlewaite's" holds the unconfirmed job word: the title is built instead.
    assert rule("Thistlewaite's taxi", {"taxi"}) == ("Recurring story: taxi", ["taxi"], True)
    assert rule("Anything", set(), accepted=False) == ("Recurring story: PRE-FAM-2", [], False)


def test_words_are_read_as_the_theme_job_reads_them() -> None:
    assert words_in("The THISTLEWAITE family's taxi, 2 a.m.") == {
        "the", "thistlewaite", "family's", "family", "taxi"
    }  # fmt: skip
