"""The identifying-details detector: each kind's formats, the traps, the labelled set and speed."""

from __future__ import annotations

import itertools
import random

import pytest

from benchmarks.identifiers import Labelled, evaluate, load_labelled
from learnhub.reports.identifiers import (
    LABELS,
    Finding,
    IdentifierKind,
    find_identifiers,
    nhs_check_digit_ok,
)

K = IdentifierKind
STRUCTURED = [kind for kind in IdentifierKind if kind is not K.PERSON_NAME]


def found(text: str, kind: IdentifierKind | None = None) -> list[str]:
    return [f.text for f in find_identifiers(text) if kind is None or f.kind is kind]


def kinds(text: str) -> list[IdentifierKind]:
    return [f.kind for f in find_identifiers(text)]


# --- the interface -----------------------------------------------------------------------------


def test_findings_carry_offsets_text_and_a_plain_label() -> None:
    text = "Spoke to Kayden Smith on 07700 900123 about the move."
    findings = find_identifiers(text)
    assert findings == [
        Finding(K.PERSON_NAME, 9, 21, "Kayden Smith", "a name"),
        Finding(K.PHONE, 25, 37, "07700 900123", "a phone number"),
    ]
    assert all(text[f.start : f.end] == f.text for f in findings)


def test_every_kind_has_a_label_for_reporters() -> None:
    assert set(LABELS) == set(IdentifierKind)
    assert [k.value for k in IdentifierKind] == [
        "person_name",
        "address",
        "phone",
        "email",
        "date_of_birth",
        "nhs_number",
        "ni_number",
        "case_id",
        "postcode",
    ]


def test_findings_are_sorted_and_never_overlap() -> None:
    text = (
        "Jayden Brown, DOB 19/08/2014, of 14 Acacia Avenue, NE1 4ST (tel 07700 900111, "
        "jayden.brown@example.org), NHS 999 787 7896, NI JK 12 34 56 A, case ref 123456."
    )
    findings = find_identifiers(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))
    assert set(kinds(text)) == set(IdentifierKind)


def test_empty_and_plain_text_find_nothing() -> None:
    assert find_identifiers("") == []
    assert find_identifiers("The visit went ahead as planned.") == []


# --- overlap policy ----------------------------------------------------------------------------


def test_an_email_that_contains_a_name_is_one_email() -> None:
    assert [(f.kind, f.text) for f in find_identifiers("Write to jayden.smith@example.com")] == [
        (K.EMAIL, "jayden.smith@example.com")
    ]


def test_an_address_stops_at_the_street_and_its_postcode_is_a_finding_of_its_own() -> None:
    findings = find_identifiers("They moved to Flat 3, 22 Mill Lane, NE1 4ST last week.")
    assert [(f.kind, f.text) for f in findings] == [
        (K.ADDRESS, "Flat 3, 22 Mill Lane"),
        (K.POSTCODE, "NE1 4ST"),
    ]


def test_a_street_named_after_a_person_is_an_address_not_a_name() -> None:
    assert kinds("She lives at 3 Victoria Road now.") == [K.ADDRESS]


# --- person names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kayden was seen at school.", "Kayden"),
        ("Spoke to Kayden Smith at school.", "Kayden Smith"),
        ("Mrs Okafor said she had not been told.", "Mrs Okafor"),
        ("Mr. J. Patel attended by phone.", "Mr. J. Patel"),
        ("The letter from Dr Shah arrived late.", "Dr Shah"),
        ("The midwife saw baby Amelia before discharge.", "Amelia"),
        ("Amelia-Rose told her teacher she was hungry.", "Amelia-Rose"),
        ("Mr O'Brien did not answer the door.", "Mr O'Brien"),
        ("Siobhán wants to stay with her nan.", "Siobhán"),
        ("Mohammed Al-Rashid was placed out of area.", "Mohammed Al-Rashid"),
        ("Jayden's mum could not afford the bus fare.", "Jayden"),
        ("Jayden\u2019s mum could not afford the bus fare.", "Jayden"),
        ("spoke to jayden today and he seemed low", "jayden"),
        ("The baby was called Nevaeh by the family.", "Nevaeh"),
        ("A boy named Kacper was found in the stairwell.", "Kacper"),
        ("He is known as Tiernan to his friends.", "Tiernan"),
        ("Her son, Zephyr, is six.", "Zephyr"),
        ("Xanthe (8) was seen with her mother.", "Xanthe"),
        ("Noah, aged 9, said he felt unsafe.", "Noah"),
        ("The Okafor family were known to services.", "Okafor"),
        ("PC Hughes said the Police would not attend.", "PC Hughes"),
        ("Mr and Mrs Hussain were assessed as carers.", "Mr and Mrs Hussain"),
        ("spoke to mrs okafor at the door", "mrs okafor"),
        ("SPOKE TO JAYDEN AND HIS MUM AT THE DOOR", "JAYDEN"),
    ],
)
def test_names_in_many_forms_and_positions(text: str, name: str) -> None:
    assert name in found(text, K.PERSON_NAME)


def test_a_name_listed_with_a_name_is_a_name() -> None:
    assert found("Kayden and Zephyrine were seen together.", K.PERSON_NAME) == [
        "Kayden",
        "Zephyrine",
    ]
    assert found("Kacper, Oskar and Wiktoria were left alone.", K.PERSON_NAME) == [
        "Kacper",
        "Oskar",
        "Wiktoria",
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hope's mum missed the review.", "Hope"),
        ("I asked Grace what she wanted from contact.", "Grace"),
        ("Will said he did not want to go home.", "Will"),
        ("The foster carer said Rose had settled well.", "Rose"),
        ("Jack and Summer were placed together.", "Summer"),
        ("Mark told the youth worker he was excluded.", "Mark"),
        ("Bill (grandad) was assessed as a connected carer.", "Bill"),
        ("Faith's school did not know she was looked after.", "Faith"),
        ("Grace Okafor chaired the conference.", "Grace Okafor"),
        ("Auntie Sue has the children on Fridays.", "Sue"),
    ],
)
def test_names_that_are_also_words_are_names_in_a_name_context(text: str, name: str) -> None:
    assert name in found(text, K.PERSON_NAME)


@pytest.mark.parametrize(
    "text",
    [
        "I had hope that the plan would work.",
        "Mum said she had lost hope of getting the children back.",
        "There was grace in how the family responded.",
        "Dad will call the office on Monday.",
        "We will mark the case for review.",
        "She said she would bill the council for the taxi.",
        "The rose bush had been cut back.",
        "It will be hard to keep faith with the plan.",
        "Summer holidays meant the DSL was away.",
        "Summer is the worst time for placement breakdowns.",
        "April was a hard month for the team.",
        "The May half term meant the school could not attend.",
        "Will the panel agree the plan?",
        "Mark the referral as urgent.",
        "Grace periods for rent arrears were not applied.",
        "Faith leaders were invited to the event.",
        "The Will and probate papers were with the solicitor.",
        "The Rose Unit at the hospital was full.",
        "The Hope Centre ran a drop-in on Fridays.",
        "Christmas Eve is our busiest night.",
        "The RAG rating was Amber at the last review.",
        "The Victoria line was closed, so I was late.",
        "The jack-knifed lorry delayed the placement.",
    ],
)
def test_ordinary_words_that_are_also_names_are_not_flagged(text: str) -> None:
    assert found(text, K.PERSON_NAME) == []


@pytest.mark.parametrize(
    "text",
    [
        "The social worker, IRO, DSL and PA all attended with mum, dad and nan.",
        "The child and the young person were seen by the Social Worker.",
        "MASH, EDT, CAMHS, NHS, Police and Ofsted were told.",
        "Northshire County Council changed the referral form.",
        "Court asked for the assessment; School sent it; Team agreed.",
        "The Family Court judge asked why the plan had changed.",
        "On Monday in January the Independent Reviewing Officer chaired it.",
        "Children's Social Care and the Youth Justice Service met separately.",
        "The child attends St. John's Primary School and St Mary's Church.",
        "The strategy discussion was held on MS Teams with Health.",
        "Present: Health Visitor, Police, Head of Service.",
        "The Designated Nurse for Looked After Children was on leave.",
        "Mosaic froze and Liquidlogic lost the case note.",
    ],
)
def test_roles_agencies_places_and_dates_are_not_names(text: str) -> None:
    assert found(text, K.PERSON_NAME) == []


# --- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("The family home at 14 Acacia Avenue was visited.", "14 Acacia Avenue"),
        ("They live at Flat 3, 22 Mill Lane now.", "Flat 3, 22 Mill Lane"),
        ("Mum lives at 12b Station Road.", "12b Station Road"),
        ("The house at 9-11 Grove Park is shared.", "9-11 Grove Park"),
        ("Police attended Flat 4, 89 Queen's Road.", "Flat 4, 89 Queen's Road"),
        ("She moved to Flat 12, Maple Court in May.", "Flat 12, Maple Court"),
        ("Nan lives at 7 Oak St. with her dog.", "7 Oak St."),
        ("new address is 14 acacia avenue apparently", "14 acacia avenue"),
        ("She moved to Rose Cottage, Mill Lane, last year.", "Rose Cottage, Mill Lane"),
        ("He lives at 221B Baker Street.", "221B Baker Street"),
    ],
)
def test_addresses(text: str, address: str) -> None:
    assert found(text, K.ADDRESS) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "There were 3 missing episodes in 10 days.",
        "It happened 3 days in a row, 2 weeks down the road.",
        "There were 4 Family Court hearings and 2 Crown Court trials.",
        "Year 9 pupils were spoken to by the DSL.",
        "They live somewhere on Acacia Avenue.",
    ],
)
def test_counts_and_bare_streets_are_not_addresses(text: str) -> None:
    assert found(text, K.ADDRESS) == []


# --- phone numbers and email -------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "01632 960000",
        "01632960000",
        "(01632) 960001",
        "07700 900 123",
        "07700900123",
        "07700-900-123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)7700 900 321",
        "0044 7700 900123",
        "020 7946 0123",
        "020-7946-0123",
        "0161 496 0452",
        "0113 496 0987",
    ],
)
def test_uk_phone_numbers_in_common_spacings(number: str) -> None:
    assert found(f"Call {number} after 5pm.", K.PHONE) == [number]


@pytest.mark.parametrize(
    "text",
    [
        "The number 07700 900 12 is missing a digit.",
        "Measured 0.5 ml at 07:30, seen 09:00-17:00.",
        "The review was on 01.02.2023 and 2023-02-01.",
        "Call 999 in an emergency or 101 for the Police.",
        "There were 12345 contacts in 2024.",
    ],
)
def test_times_dates_and_short_numbers_are_not_phones(text: str) -> None:
    assert found(text, K.PHONE) == []


@pytest.mark.parametrize(
    "email",
    ["duty.team@example.org", "kelly.m84@example.com", "first.last+tag@sub.example.co.uk"],
)
def test_email_addresses(email: str) -> None:
    assert found(f"Email {email}.", K.EMAIL) == [email]


def test_an_at_sign_alone_is_not_an_email() -> None:
    assert found("Meet @ the office at 10, or email the duty team.", K.EMAIL) == []


# --- dates of birth ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Kayden, DOB 03/04/2015, was seen.", "03/04/2015"),
        ("date of birth: 3 April 2015", "3 April 2015"),
        ("The baby was born on 3.4.15 at home.", "3.4.15"),
        ("d.o.b. 12/11/2009 was wrong on the referral", "12/11/2009"),
        ("D.O.B - 3 Apr 2015", "3 Apr 2015"),
        ("DoB: 2015-04-03", "2015-04-03"),
        ("She was born on the 3rd of April 2015 in Leeds.", "3rd of April 2015"),
        ("He was born April 3, 2015.", "April 3, 2015"),
        ("She was born in Poland on 9 October 2008.", "9 October 2008"),
        ("Her birthday is 3 April.", "3 April"),
        ("Kayden Smith (03.04.2015) was seen at home.", "03.04.2015"),
    ],
)
def test_dates_of_birth(text: str, date: str) -> None:
    assert found(text, K.DATE_OF_BIRTH) == [date]


@pytest.mark.parametrize(
    "text",
    [
        "The meeting on 3 April was the first time all agencies met.",
        "The review (03.04.2024) was quorate.",
        "She was born in Leeds and moved here on 3 April 2019.",
        "The unborn baby is due on 3 May 2025.",
        "The new-born was seen on 3 March 2024.",
        "The child was born in 2015.",
        "The baby was born in April 2015.",
    ],
)
def test_other_dates_are_not_dates_of_birth(text: str) -> None:
    assert found(text, K.DATE_OF_BIRTH) == []


# --- NHS and National Insurance numbers --------------------------------------------------------


@pytest.mark.parametrize("number", ["999 787 7896", "9997877896", "999-787-7896"])
def test_nhs_numbers_with_a_valid_check_digit(number: str) -> None:
    assert found(f"The number {number} was on the letter.", K.NHS_NUMBER) == [number]


def test_a_bad_check_digit_is_only_an_nhs_number_when_called_one() -> None:
    assert found("The number 999 787 7897 was on the letter.", K.NHS_NUMBER) == []
    assert found("Her NHS number is 999 787 7897.", K.NHS_NUMBER) == ["999 787 7897"]


def test_the_check_digit_rejects_about_ten_in_eleven_random_numbers() -> None:
    rng = random.Random(47)
    numbers = [f"{rng.randrange(10**10):010d}" for _ in range(20_000)]
    passing = sum(nhs_check_digit_ok(n) for n in numbers) / len(numbers)
    assert 0.08 < passing < 0.10  # 1/11 of numbers pass; 10/11 are rejected


@pytest.mark.parametrize("number", ["JK 12 34 56 A", "PR482719B", "AB 123456 C", "wl 71 52 33 d"])
def test_national_insurance_numbers(number: str) -> None:
    assert found(f"NI number {number} was on file.", K.NI_NUMBER) == [number]


@pytest.mark.parametrize(
    "number", ["QQ 12 34 56 C", "GB 12 34 56 A", "DA 12 34 56 A", "AO 12 34 56 A", "AB123456E"]
)
def test_disallowed_national_insurance_numbers(number: str) -> None:
    assert found(f"NI number {number} was on file.", K.NI_NUMBER) == []


# --- case ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ident"),
    [
        ("The case is CR-204117 on the system.", "CR-204117"),
        ("Please quote case ref 123456.", "123456"),
        ("The record is LCS 1234567.", "1234567"),
        ("The Mosaic ID 9876543 was linked wrongly.", "9876543"),
        ("ref: AB/12345 on the letter", "AB/12345"),
        ("The child ID 445566 appears twice.", "445566"),
        ("Logged as ESCR 20231187.", "20231187"),
        ("Liquidlogic number 7765432 is the sibling.", "7765432"),
        ("The court case number ZW23C50012 was on the bundle.", "ZW23C50012"),
        ("Case Ref: CP/2024/0012345.", "CP/2024/0012345"),
    ],
)
def test_case_ids(text: str, ident: str) -> None:
    assert found(text, K.CASE_ID) == [ident]


@pytest.mark.parametrize(
    "text",
    [
        "There were 14 visits in 2024.",
        "We have 12345 contacts a year.",
        "Ref 1234 is too short to be a case.",
        "The case was reviewed on 12/03/2024.",
        "Section 47 enquiries began after 45 working days.",
    ],
)
def test_plain_numbers_are_not_case_ids(text: str) -> None:
    assert found(text, K.CASE_ID) == []


# --- postcodes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode", ["NE1 4ST", "sw1a1aa", "SW1A 1AA", "M1 1AE", "ls99ab", "EC1A 1BB", "B11 3PJ"]
)
def test_full_postcodes_in_any_case_with_or_without_the_space(postcode: str) -> None:
    assert found(f"The postcode is {postcode}.", K.POSTCODE) == [postcode]


@pytest.mark.parametrize(
    "text",
    [
        "They moved somewhere in the NE1 area.",
        "The placement is near B11.",
        "The SW1A district is outside our area.",
        "Take the A1 2nd exit.",
    ],
)
def test_partial_postcodes_are_not_flagged(text: str) -> None:
    assert found(text, K.POSTCODE) == []


# --- the labelled set --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def labelled() -> list[Labelled]:
    return load_labelled()


def test_the_labelled_set_is_big_and_mostly_realistic(labelled: list[Labelled]) -> None:
    assert len(labelled) >= 300
    without = sum(1 for s in labelled if not s.spans)
    assert without >= len(labelled) / 3
    supports = {kind: sum(1 for s in labelled for k, *_ in s.spans if k is kind) for kind in K}
    assert all(count >= 5 for count in supports.values()), supports
    assert sum(1 for s in labelled if s.split == "held-out") >= 90


def test_labelled_spans_lie_inside_their_text_and_never_overlap(labelled: list[Labelled]) -> None:
    for sentence in labelled:
        spans = sorted(sentence.spans, key=lambda span: span[1])
        for _, start, end in spans:
            assert 0 <= start < end <= len(sentence.text), sentence.text
            assert sentence.text[start:end].strip() == sentence.text[start:end], sentence.text
        assert all(a[2] <= b[1] for a, b in itertools.pairwise(spans)), sentence.text


def test_the_detector_meets_its_targets_on_the_labelled_set(labelled: list[Labelled]) -> None:
    report = evaluate(labelled)
    for kind, score in report.scores.items():
        assert score.precision >= 0.8, (kind, score)
        target = 0.85 if kind is K.PERSON_NAME else 0.95
        assert score.recall >= target, (kind, score)
