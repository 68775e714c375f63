"""The theme rules of ``learnhub.disclosure.themes`` on plain codes and words."""

from __future__ import annotations

from learnhub.core.permissions import Role
from learnhub.disclosure.themes import built_title, in_panel, shared_theme, words_in

TITLES = {"A-1": "Time pressure", "B-2": "Workload"}


def test_built_titles_are_in_the_taxonomys_words() -> None:
    assert built_title(["A-1", "B-2"], ["ignored"], factors=True, code_titles=TITLES) == (
        "Time pressure + Workload"
    )
    assert built_title(["A-1"], ["a", "b", "c", "d", "e"], factors=False, code_titles=TITLES) == (
        "Accounts mentioning a, b, c and d: Time pressure"
    )
    assert built_title([], ["taxi", "lost"], factors=False) == "Accounts mentioning taxi and lost"
    assert built_title(["A-1"], factors=False, code_titles=TITLES) == (
        "Similar accounts: Time pressure"
    )
    assert built_title([], factors=False) == "Accounts told in similar words"


def test_a_code_the_taxonomy_has_no_title_for_stays_an_id() -> None:
    # A retired code, or no taxonomy at all: the id is still a truthful title.
    assert built_title(["A-1", "C-9"], factors=True, code_titles=TITLES) == "Time pressure + C-9"
    assert built_title(["A-1"], factors=True) == "A-1"


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
        code_titles={"PRE-FAM-2": "Family circumstances"},
    )
    return shared.title, shared.terms, shared.title_replaced


def test_a_title_is_checked_word_by_word_against_unconfirmed_job_words() -> None:
    assert rule("Taxi trouble", {"taxi"}) == ("Taxi trouble", ["taxi"], False)
    # "thistlewaite's" holds the unconfirmed job word: the title is built instead.
    assert rule("Thistlewaite's taxi", {"taxi"}) == (
        "Accounts mentioning taxi: Family circumstances",
        ["taxi"],
        True,
    )
    assert rule("Anything", set(), accepted=False) == (
        "Similar accounts: Family circumstances",
        [],
        False,
    )


def test_words_are_read_as_the_theme_job_reads_them() -> None:
    assert words_in("The THISTLEWAITE family's taxi, 2 a.m.") == {
        "the", "thistlewaite", "family's", "family", "taxi"
    }  # fmt: skip
