"""The check page's scan carried to Send: used only for exactly the answers it was made for."""

from __future__ import annotations

import base64
import json

import pytest

from learnhub.reports import carried_scan
from learnhub.reports.services import scan_answers

SECRET = "a-secret-for-these-tests"
ANSWERS = {
    "narrative": "Kayden Smith was not seen. Mum's number is 07700 900123, postcode NE1 4ST.",
    "what_nearly_happened": "",
    "what_would_help": "Ring jo.bloggs@example.org before the visit.",
}


def test_the_sealed_scan_comes_back_as_the_scan_found_it() -> None:
    found = scan_answers(ANSWERS)
    assert {f.kind.value for f in found["narrative"]} >= {"person_name", "phone", "postcode"}
    assert carried_scan.unseal(ANSWERS, carried_scan.seal(ANSWERS, found, SECRET), SECRET) == found


def test_no_findings_seal_and_unseal_too() -> None:
    plain = {"narrative": "The handover was rushed on a Friday."}
    sealed = carried_scan.seal(plain, {}, SECRET)
    assert carried_scan.unseal(plain, sealed, SECRET) == {}


@pytest.mark.parametrize(
    "changed",
    [
        {**ANSWERS, "narrative": ANSWERS["narrative"] + " "},
        {**ANSWERS, "what_nearly_happened": "Something else."},
        {k: v for k, v in ANSWERS.items() if k != "what_would_help"},
    ],
)
def test_any_change_to_the_answers_means_no_carried_scan(changed: dict[str, str]) -> None:
    sealed = carried_scan.seal(ANSWERS, scan_answers(ANSWERS), SECRET)
    assert carried_scan.unseal(changed, sealed, SECRET) is None


@pytest.mark.parametrize("sealed", ["", "no-dot", "e30.", ".abc", "!!!.deadbeef", "e30.0" * 40])
def test_missing_or_malformed_values_mean_no_carried_scan(sealed: str) -> None:
    assert carried_scan.unseal(ANSWERS, sealed, SECRET) is None


def test_a_scan_signed_with_another_secret_is_not_used() -> None:
    sealed = carried_scan.seal(ANSWERS, {}, "someone-elses-secret")
    assert carried_scan.unseal(ANSWERS, sealed, SECRET) is None


def test_a_new_release_of_the_scanner_scans_again(monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = carried_scan.seal(ANSWERS, scan_answers(ANSWERS), SECRET)
    monkeypatch.setattr(carried_scan, "scanner_version", lambda: "a later scanner")
    assert carried_scan.unseal(ANSWERS, sealed, SECRET) is None


def test_signed_offsets_outside_their_answer_are_refused() -> None:
    """Belt and braces: even a correctly signed value must point inside the answers."""
    flags = json.dumps([["narrative", "phone", 10, 10_000]])
    payload = base64.urlsafe_b64encode(flags.encode()).decode()
    sealed = f"{payload}.{carried_scan._signature(ANSWERS, payload, SECRET)}"
    assert carried_scan.unseal(ANSWERS, sealed, SECRET) is None


def test_the_scanner_uses_a_carried_scan_and_scans_when_there_is_none() -> None:
    # A seal of "nothing found" over answers that hold a phone number: only a scanner that
    # takes the carried findings returns nothing; one that scans finds the number.
    nothing = carried_scan.seal(ANSWERS, {}, SECRET)
    assert carried_scan.scanner(nothing, SECRET)(ANSWERS) == {}
    assert carried_scan.scanner("", SECRET)(ANSWERS) == scan_answers(ANSWERS)
    assert carried_scan.scanner(nothing, "another secret")(ANSWERS) == scan_answers(ANSWERS)
