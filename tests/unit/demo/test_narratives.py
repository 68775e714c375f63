"""The demo report generator: repeatable, varied, anonymous, and carrying its planted themes."""

import collections
import datetime
import itertools
import re

import pytest

from learnhub.demo.narratives import (
    EVENT_TYPES,
    PATTERN_IDS,
    REPORTER_ROLES,
    RISING_PATTERN,
    SERVICE_AREAS,
    SEVERITIES,
    DemoReport,
    generate_reports,
)

NARRATIVE_FIELDS = (
    "what_happened",
    "what_nearly_happened",
    "what_stopped_it",
    "what_made_it_likely",
    "what_would_help",
)
PLANTED_IDENTIFIER = re.compile(
    r"\b(Kayden|Tyler-Jay|Lacey-Mae|Jaxon|Amelia-Rose|Reuben|Maisie|Kai-Leigh)\b"
    r"|\bCR-\d{6}\b"
    r"|\b07\d{3} ?\d{6}\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w+")
LONG_NUMBER = re.compile(r"\d{5,}")
# Several windows, so that the statistical checks are not tuned to one lucky draw.
RUNS = (
    (2026, datetime.date(2026, 3, 15)),
    (7, datetime.date(2025, 12, 31)),
    (99, datetime.date(2026, 7, 1)),
)


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def narrative(report: DemoReport) -> str:
    return " ".join(getattr(report, field) for field in NARRATIVE_FIELDS)


@pytest.fixture(scope="module", params=RUNS, ids=lambda run: f"seed{run[0]}-{run[1]}")
def run(request: pytest.FixtureRequest) -> tuple[datetime.date, list[DemoReport]]:
    seed, today = request.param
    return today, generate_reports(1000, today, seed=seed)


@pytest.fixture
def today(run: tuple[datetime.date, list[DemoReport]]) -> datetime.date:
    return run[0]


@pytest.fixture
def reports(run: tuple[datetime.date, list[DemoReport]]) -> list[DemoReport]:
    return run[1]


def by_month(reports: list[DemoReport]) -> dict[datetime.date, list[DemoReport]]:
    grouped: dict[datetime.date, list[DemoReport]] = collections.defaultdict(list)
    for report in reports:
        grouped[report.event_month].append(report)
    return dict(sorted(grouped.items()))


def test_same_arguments_give_identical_reports() -> None:
    today = datetime.date(2026, 3, 15)
    assert generate_reports(300, today) == generate_reports(300, today)


def test_another_seed_gives_other_reports() -> None:
    today = datetime.date(2026, 3, 15)
    first = [r.what_happened for r in generate_reports(100, today, seed=1)]
    second = [r.what_happened for r in generate_reports(100, today, seed=2)]
    assert first != second


@pytest.mark.parametrize("count", [0, 1, 17, 250])
def test_count_is_honoured(count: int) -> None:
    assert len(generate_reports(count, datetime.date(2026, 3, 15))) == count


def test_seed_keys_are_unique_and_name_the_seed() -> None:
    reports = generate_reports(200, datetime.date(2026, 3, 15), seed=41)
    assert [r.seed_key for r in reports] == [f"demo-41-{i}" for i in range(200)]


def test_reports_come_in_the_order_they_arrived(reports: list[DemoReport]) -> None:
    received = [r.received_on for r in reports]
    assert received == sorted(received)


@pytest.mark.parametrize(("count", "months"), [(-1, 18), (10, 0)])
def test_impossible_requests_are_refused(count: int, months: int) -> None:
    with pytest.raises(ValueError, match="count"):
        generate_reports(count, datetime.date(2026, 3, 15), months=months)


def test_event_months_fill_the_window_ending_this_month(
    reports: list[DemoReport], today: datetime.date
) -> None:
    expected = {month_index(today) - offset for offset in range(18)}
    assert {month_index(r.event_month) for r in reports} == expected
    assert all(r.event_month.day == 1 for r in reports)


@pytest.mark.parametrize("months", [1, 6])
def test_shorter_windows_keep_to_their_months(months: int) -> None:
    today = datetime.date(2026, 3, 15)
    reports = generate_reports(120, today, months=months)
    assert len(reports) == 120
    assert {month_index(r.event_month) for r in reports} == {
        month_index(today) - offset for offset in range(months)
    }


def test_volume_rises_gently_with_month_to_month_noise(reports: list[DemoReport]) -> None:
    # The month still under way is left out: it has had less time to gather reports.
    volumes = [len(group) for group in by_month(reports).values()][:-1]
    first, last = volumes[:6], volumes[-6:]
    assert sum(last) / 6 > 1.2 * sum(first) / 6
    assert sum(last) / 6 < 2.5 * sum(first) / 6
    assert any(later < earlier for earlier, later in itertools.pairwise(volumes))


def test_every_field_stays_within_its_allowed_values(reports: list[DemoReport]) -> None:
    for report in reports:
        assert report.event_type in EVENT_TYPES
        assert report.potential_severity in (*SEVERITIES, None)
        assert report.service_area in (*SERVICE_AREAS, None)
        assert report.reporter_role in (*REPORTER_ROLES, None)
        assert report.pattern in (*PATTERN_IDS, None)
        assert report.factor_hints
        assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", hint) for hint in report.factor_hints)
        assert len(set(report.factor_hints)) == len(report.factor_hints)
        assert all(getattr(report, field).strip() for field in NARRATIVE_FIELDS)


def test_received_on_follows_the_event_within_three_months(
    reports: list[DemoReport], today: datetime.date
) -> None:
    for report in reports:
        three_months_on = month_index(report.event_month) + 3
        assert report.event_month <= report.received_on <= today
        assert month_index(report.received_on) < three_months_on


def test_optional_fields_are_left_blank_about_as_often_as_real_reporters_do(
    reports: list[DemoReport],
) -> None:
    blank_areas = sum(r.service_area is None for r in reports) / len(reports)
    blank_roles = sum(r.reporter_role is None for r in reports) / len(reports)
    assert 0.10 <= blank_areas <= 0.20
    assert 0.15 <= blank_roles <= 0.25


def test_what_happened_texts_are_distinct(reports: list[DemoReport]) -> None:
    assert len({r.what_happened for r in reports}) >= 0.95 * len(reports)


def test_what_happened_reads_like_a_short_report(reports: list[DemoReport]) -> None:
    sentences = [len(re.findall(r"[.?!](?:\s|$)", r.what_happened)) for r in reports]
    assert all(2 <= count <= 5 for count in sentences)
    assert sum(2 <= count <= 4 for count in sentences) >= 0.8 * len(reports)
    assert min(len(r.what_happened) for r in reports) >= 100


def test_every_event_type_and_severity_occurs(reports: list[DemoReport]) -> None:
    assert {r.event_type for r in reports} == set(EVENT_TYPES)
    assert {r.potential_severity for r in reports} == {*SEVERITIES, None}


def test_good_practice_is_about_one_report_in_twelve(reports: list[DemoReport]) -> None:
    good = [r for r in reports if r.event_type == "good_practice"]
    assert 0.06 <= len(good) / len(reports) <= 0.10
    assert all(r.pattern is None for r in good)


def test_about_a_third_of_reports_belong_to_a_planted_pattern(reports: list[DemoReport]) -> None:
    patterned = sum(r.pattern is not None for r in reports) / len(reports)
    assert 0.29 <= patterned <= 0.36


def test_each_pattern_recurs_across_at_least_three_months(reports: list[DemoReport]) -> None:
    months = collections.defaultdict(set)
    for report in reports:
        if report.pattern:
            months[report.pattern].add(report.event_month)
    assert set(months) == set(PATTERN_IDS)
    assert all(len(seen) >= 3 for seen in months.values())


def core_hints(reports: list[DemoReport], pattern: str) -> frozenset[str]:
    members = [set(r.factor_hints) for r in reports if r.pattern == pattern]
    return frozenset(set.intersection(*members))


def test_each_pattern_has_its_own_hint_combination(reports: list[DemoReport]) -> None:
    combinations = {pattern: core_hints(reports, pattern) for pattern in PATTERN_IDS}
    assert all(2 <= len(hints) <= 3 for hints in combinations.values())
    assert len(set(combinations.values())) == len(PATTERN_IDS)
    for report in reports:
        for pattern, hints in combinations.items():
            if report.pattern != pattern:
                assert not hints <= set(report.factor_hints), (report.seed_key, pattern)


def test_the_rising_pattern_rises_over_the_last_five_months(reports: list[DemoReport]) -> None:
    months = list(by_month(reports).values())
    first_half = [r for group in months[: len(months) // 2] for r in group]
    last_five = [r for group in months[-5:] for r in group]

    def share(group: list[DemoReport]) -> float:
        return sum(r.pattern == RISING_PATTERN for r in group) / len(group)

    assert share(last_five) >= 2.5 * share(first_half)
    assert share(first_half) > 0


def test_few_reports_carry_a_planted_identifier(reports: list[DemoReport]) -> None:
    carrying = sum(bool(PLANTED_IDENTIFIER.search(narrative(r))) for r in reports)
    assert 0.01 * len(reports) <= carrying < 0.06 * len(reports)


def test_no_report_contains_an_email_address(reports: list[DemoReport]) -> None:
    assert not any(EMAIL.search(narrative(r)) for r in reports)


def test_only_planted_identifiers_carry_long_numbers(reports: list[DemoReport]) -> None:
    for report in reports:
        text = PLANTED_IDENTIFIER.sub("", narrative(report))
        assert not LONG_NUMBER.search(text), report.seed_key
