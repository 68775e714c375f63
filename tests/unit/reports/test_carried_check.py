"""The check page's work carried to Send: used only for exactly the fields it was sealed over."""

from __future__ import annotations

import base64
import json

import pytest

from learnhub.reports import carried_check
from learnhub.reports.services import scan_answers

SECRET = "a-secret-for-these-tests"
ANSWERS = {
    "narrative": "Kayden Smith was not seen. Mum's number is 07700 900123, postcode NE1 4ST.",
    "what_nearly_happened": "",
    "what_would_help": "Ring jo.bloggs@example.org before the visit.",
}
FIELDS = [*ANSWERS.items(), ("event_type", "near_miss"), ("event_month", "3"), ("factors", "S1")]


def sealed_scan(fields: list[tuple[str, str]] = FIELDS, secret: str = SECRET) -> str:
    return carried_check.seal(fields, scan_answers(ANSWERS), secret)


def test_the_sealed_scan_comes_back_as_the_scan_found_it() -> None:
    found = scan_answers(ANSWERS)
    assert {f.kind.value for f in found["narrative"]} >= {"person_name", "phone", "postcode"}
    carried = carried_check.unseal(FIELDS, sealed_scan(), SECRET)
    assert carried is not None
    assert carried.scan(ANSWERS) == found


def test_a_seal_of_no_findings_is_used_as_it_stands() -> None:
    # A seal of "nothing found" over answers that hold a phone number: only a scan taken from
    # the seal returns nothing; scanning again would find the number.
    carried = carried_check.unseal(FIELDS, carried_check.seal(FIELDS, {}, SECRET), SECRET)
    assert carried is not None
    assert carried.scan(ANSWERS) == {}


@pytest.mark.parametrize(
    "changed",
    [
        [("narrative", ANSWERS["narrative"] + " "), *FIELDS[1:]],
        [*FIELDS[:-1], ("factors", "S2")],
        [*FIELDS, ("factors", "S2")],
        FIELDS[:-1],
        [FIELDS[1], FIELDS[0], *FIELDS[2:]],
        [*FIELDS[:3], ("event_type", "harm"), *FIELDS[4:]],
    ],
)
def test_any_change_to_the_fields_means_nothing_is_carried(changed: list[tuple[str, str]]) -> None:
    assert carried_check.unseal(changed, sealed_scan(), SECRET) is None


@pytest.mark.parametrize("sealed", ["", "no-dot", "e30.", ".abc", "!!!.deadbeef", "e30.0" * 40])
def test_missing_or_malformed_seals_carry_nothing(sealed: str) -> None:
    assert carried_check.unseal(FIELDS, sealed, SECRET) is None


def test_a_seal_made_with_another_secret_carries_nothing() -> None:
    assert carried_check.unseal(FIELDS, sealed_scan(secret="someone-elses"), SECRET) is None


def test_a_new_release_of_the_scanner_carries_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = sealed_scan()
    monkeypatch.setattr(carried_check, "scanner_version", lambda: "a later scanner")
    assert carried_check.unseal(FIELDS, sealed, SECRET) is None


def signed(flags: object) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(flags).encode()).decode()
    return f"{payload}.{carried_check._signature(FIELDS, payload, SECRET)}"


@pytest.mark.parametrize(
    "flags",
    [
        [["narrative", "phone", 10, 10_000]],
        [["narrative", "not-a-kind", 0, 4]],
        [["no_such_answer", "phone", 0, 4]],
        [["narrative", "phone"]],
    ],
)
def test_signed_findings_that_do_not_fit_the_answers_are_scanned_again(flags: object) -> None:
    """Belt and braces: even correctly signed findings must point inside the answers."""
    carried = carried_check.unseal(FIELDS, signed(flags), SECRET)
    assert carried is not None
    assert carried.scan(ANSWERS) == scan_answers(ANSWERS)


def test_a_signed_value_that_is_not_a_list_carries_nothing() -> None:
    assert carried_check.unseal(FIELDS, signed({"narrative": []}), SECRET) is None
