"""Property tests (hypothesis) of the identifying-details detector and receipt handling:
any text at all, and planted details always found."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnhub.reports.identifiers import IdentifierKind, find_identifiers
from learnhub.reports.receipts import (
    ALPHABET,
    GROUP_LENGTH,
    GROUPS,
    new_receipt,
    normalise_receipt,
    receipt_hash,
)
from learnhub.reports.services import ReceiptNotFound, hash_for_receipt

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lower-case words that are none of the kinds planted below, to surround a planted detail.
FILLER = st.lists(
    st.sampled_from(
        [
            "the",
            "visit",
            "was",
            "moved",
            "because",
            "the",
            "duty",
            "worker",
            "could",
            "not",
            "reach",
            "anyone",
            "and",
            "the",
            "plan",
            "was",
            "shared",
            "late",
            "with",
            "the",
            "team",
            "so",
            "we",
            "rang",
            "again",
        ]
    ),
    max_size=12,
).map(" ".join)


@FAST
@given(st.text(max_size=400))
def test_any_text_gives_ordered_spans_within_it(text: str) -> None:
    findings = find_identifiers(text)
    end = 0
    for finding in findings:
        assert end <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
        end = finding.end


@FAST
@given(
    st.lists(
        st.sampled_from(
            [*"AbcJo 0123456789@.-+()/,'\n", "Mr ", "NHS ", "born ", "Street", "DOB", "Smith"]
        ),
        max_size=80,
    ).map("".join)
)
def test_text_dense_with_digits_and_capitals_never_crashes(text: str) -> None:
    for finding in find_identifiers(text):
        assert text[finding.start : finding.end] == finding.text


phones = st.one_of(
    st.builds(lambda n: f"07700 900{n:03d}", st.integers(0, 999)),
    st.builds(lambda a, b: f"07{a:03d} {b:06d}", st.integers(100, 999), st.integers(0, 999_999)),
    st.builds(lambda n: f"020 7946 0{n:03d}", st.integers(0, 999)),
    st.builds(lambda n: f"+44 7700 900{n:03d}", st.integers(0, 999)),
)
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._]{0,12}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z]", fullmatch=True),
    st.sampled_from(["org", "co.uk", "gov.uk", "com", "nhs.net"]),
)
OUTWARD_FIRST, OUTWARD_SECOND = "ABCDEFGHIJKLMNOPRSTUWYZ", "ABCDEFGHKLMNOPQRSTUVWXY"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
postcodes = st.builds(
    lambda a, b, d1, d2, i1, i2: f"{a}{b}{d1} {d2}{i1}{i2}",
    st.sampled_from(OUTWARD_FIRST),
    st.sampled_from(["", *OUTWARD_SECOND]),
    st.integers(1, 99),
    st.integers(0, 9),
    st.sampled_from(INWARD_LETTERS),
    st.sampled_from(INWARD_LETTERS),
)


@FAST
@given(
    st.one_of(
        st.tuples(st.just(IdentifierKind.PHONE), phones),
        st.tuples(st.just(IdentifierKind.EMAIL), emails),
        st.tuples(st.just(IdentifierKind.POSTCODE), postcodes),
    ),
    FILLER,
    FILLER,
)
def test_a_planted_phone_email_or_postcode_is_always_found(
    planted: tuple[IdentifierKind, str], before: str, after: str
) -> None:
    kind, detail = planted
    text = f"{before} {detail} {after}.".strip()
    start = text.index(detail)
    found = [(f.kind, f.start, f.end) for f in find_identifiers(text)]
    assert (kind, start, start + len(detail)) in found, (text, found)


receipts = st.builds(lambda _: new_receipt(), st.integers())


@FAST
@given(receipts, st.sampled_from(["", " ", "-", "  -  "]), st.booleans(), st.booleans())
def test_a_receipt_typed_any_usual_way_normalises_back(
    receipt: str, separator: str, lower: bool, misread: bool
) -> None:
    typed = separator.join(receipt.split("-"))
    if misread:  # letters people confuse are read as the digits they must have been
        typed = typed.replace("1", "I").replace("0", "O")
    typed = typed.lower() if lower else typed
    assert normalise_receipt(f"  {typed}\n") == receipt


@FAST
@given(st.text(max_size=60))
def test_normalising_any_text_is_stable_and_well_formed(typed: str) -> None:
    normal = normalise_receipt(typed)
    if normal is None:
        return
    assert normalise_receipt(normal) == normal
    groups = normal.split("-")
    assert len(groups) == GROUPS
    assert all(len(g) == GROUP_LENGTH and set(g) <= set(ALPHABET) for g in groups)


@FAST
@given(st.text(max_size=80), st.text(min_size=1, max_size=40))
def test_any_string_hashes_or_is_not_found_never_an_error(typed: str, key: str) -> None:
    try:
        hashed = hash_for_receipt(typed, key)
    except ReceiptNotFound:
        assert normalise_receipt(typed) is None
    else:
        assert hashed == receipt_hash(normalise_receipt(typed), key)
        assert len(hashed) == 64


def test_different_keys_give_different_hashes() -> None:
    receipt = new_receipt()
    assert receipt_hash(receipt, "one key") != receipt_hash(receipt, "another key")


@pytest.mark.parametrize("typed", ["", "\x00" * 20, "ÅÅÅÅ-ÅÅÅÅ-ÅÅÅÅ-ÅÅÅÅ-ÅÅÅÅ", "٣" * 20])
def test_odd_input_is_simply_not_found(typed: str) -> None:
    with pytest.raises(ReceiptNotFound):
        hash_for_receipt(typed, "k")
