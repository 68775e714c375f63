"""Finds details in a reporter's free text that could identify a person, so they can be removed.

Pure functions over a string: the report form, the API and the review queue all call the same check.
"""

from __future__ import annotations

import bisect
import enum
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


class IdentifierKind(enum.StrEnum):
    PERSON_NAME = "person_name"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"
    DATE_OF_BIRTH = "date_of_birth"
    NHS_NUMBER = "nhs_number"
    NI_NUMBER = "ni_number"
    CASE_ID = "case_id"
    POSTCODE = "postcode"


LABELS: dict[IdentifierKind, str] = {
    IdentifierKind.PERSON_NAME: "a name",
    IdentifierKind.ADDRESS: "an address",
    IdentifierKind.PHONE: "a phone number",
    IdentifierKind.EMAIL: "an email address",
    IdentifierKind.DATE_OF_BIRTH: "a date of birth",
    IdentifierKind.NHS_NUMBER: "an NHS number",
    IdentifierKind.NI_NUMBER: "a National Insurance number",
    IdentifierKind.CASE_ID: "a case reference",
    IdentifierKind.POSTCODE: "a postcode",
}

# When two findings overlap, the kind with the stricter format wins: an email that contains a
# name is an email, a postcode is never part of a case id. An address stops at the street, so
# a postcode after it is a finding of its own and the two never overlap.
_PRIORITY: dict[IdentifierKind, int] = {
    IdentifierKind.EMAIL: 9,
    IdentifierKind.NHS_NUMBER: 8,
    IdentifierKind.NI_NUMBER: 8,
    IdentifierKind.PHONE: 7,
    IdentifierKind.POSTCODE: 6,
    IdentifierKind.DATE_OF_BIRTH: 5,
    IdentifierKind.CASE_ID: 4,
    IdentifierKind.ADDRESS: 3,
    IdentifierKind.PERSON_NAME: 2,
}


@dataclass(frozen=True)
class Finding:
    kind: IdentifierKind
    start: int
    end: int
    text: str
    label: str


Span = tuple[IdentifierKind, int, int]


def find_identifiers(text: str) -> list[Finding]:
    """Every identifying detail in ``text``, sorted by position and never overlapping."""
    names = _person_names(text)
    name_ends = {end for _, _, end in names}
    candidates = [
        *_emails(text),
        *_nhs_numbers(text),
        *_ni_numbers(text),
        *_phones(text),
        *_postcodes(text),
        *_dates_of_birth(text, name_ends),
        *_case_ids(text),
        *_addresses(text),
        *names,
    ]
    return [
        Finding(kind, start, end, text[start:end], LABELS[kind])
        for kind, start, end in _resolve(candidates)
    ]


def _resolve(candidates: list[Span]) -> list[Span]:
    merged = _merge_same_kind(candidates)
    merged.sort(key=lambda s: (-_PRIORITY[s[0]], -(s[2] - s[1]), s[1]))
    kept: list[Span] = []
    for span in merged:
        if not any(span[1] < other[2] and other[1] < span[2] for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s[1])


def _merge_same_kind(candidates: list[Span]) -> list[Span]:
    """Join overlapping spans of one kind, e.g. "Mrs Okafor" from a title rule and "Okafor"."""
    merged: list[Span] = []
    for kind, start, end in sorted(candidates, key=lambda s: (s[0], s[1], -s[2])):
        if merged and merged[-1][0] == kind and start < merged[-1][2]:
            last = merged[-1]
            merged[-1] = (kind, last[1], max(last[2], end))
        else:
            merged.append((kind, start, end))
    return merged


# --- word lists --------------------------------------------------------------------------------

_DATA = Path(__file__).with_name("data")


@functools.lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    """Compare words without case or accents, so "Siobhan" matches "Siobhán"."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _load_raw(name: str) -> list[str]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and line[0] != "#"]


def _load(name: str) -> frozenset[str]:
    return frozenset(_fold(word) for word in _load_raw(name))


_NOT_NAMES = _load("not_names.txt")
_WORD_NAMES = _load("ambiguous_words.txt") - _NOT_NAMES
_CALENDAR_NAMES = _load("ambiguous_calendar.txt") - _NOT_NAMES
_PLACE_NAMES = _load("ambiguous_places.txt") - _NOT_NAMES
_AMBIGUOUS = _WORD_NAMES | _CALENDAR_NAMES | _PLACE_NAMES
_FIRST_NAMES = _load("first_names.txt") - _NOT_NAMES
_SURNAMES = _load("surnames.txt") - _NOT_NAMES
_LISTED_NAMES = _FIRST_NAMES | _SURNAMES
_KNOWN_NAMES = _LISTED_NAMES | _AMBIGUOUS
_PLACE_WORDS = _load("place_words.txt")
_STREET_TYPES = _load_raw("street_types.txt")
_BUILDING_TYPES = _load_raw("building_types.txt")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# --- structured kinds --------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+'-])[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)


def _emails(text: str) -> list[Span]:
    return [(IdentifierKind.EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]


# A run that starts like a UK number (0…, +44…, 0044…, (0…) and continues with digits, spaces,
# hyphens and brackets; the digit count decides whether it is really a phone number.
_PHONE_RUN = re.compile(
    r"(?<![\w+/])(?:(?:\+|00)\s?44[\s-]?(?:\(0\)[\s-]?)?\(?|\(0|0)[1-9][\d\s)-]{6,16}\d(?![\w/]|\.\d)"
)
_PHONE_GROUPS = re.compile(r"[\d()+]+")


def _phones(text: str) -> list[Span]:
    found: list[Span] = []
    for match in _PHONE_RUN.finditer(text):
        end = _phone_end(match.group())
        if end:
            found.append((IdentifierKind.PHONE, match.start(), match.start() + end))
    return found


def _phone_end(run: str) -> int:
    """Length of the longest prefix of ``run`` that ends a group and is a whole UK number."""
    best = 0
    for group in _PHONE_GROUPS.finditer(run):
        prefix = run[: group.end()]
        if _is_uk_length(_national_number(prefix)):
            best = group.end()
    return best


def _national_number(number: str) -> str:
    """The digits after the trunk 0 or the +44 country code."""
    compact = number.replace("(0)", "")
    digits = re.sub(r"\D", "", compact)
    if compact.lstrip("(").startswith(("+44", "0044")):
        return digits.removeprefix("00").removeprefix("44")
    return digits[1:] if digits.startswith("0") else ""


def _is_uk_length(national: str) -> bool:
    """Mobiles and London numbers have ten digits; a few old 01 areas and freephone have nine."""
    return len(national) == 10 or (len(national) == 9 and national[0] in "18")


_NHS = re.compile(r"(?<![\w/.+-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w/-]|\.\d)")
_NHS_CONTEXT = re.compile(r"\bNHS\b[^.\n]{0,30}$", re.IGNORECASE)


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS number's modulus-11 check: weights 10..2 on the first nine digits."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> list[Span]:
    found: list[Span] = []
    for match in _NHS.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        # Named as an NHS number, a mistyped one still points at one child; without the
        # name, only a valid check digit (and no phone-like leading 0) makes it one.
        named = bool(_NHS_CONTEXT.search(text, max(0, match.start() - 40), match.start()))
        if named or (nhs_check_digit_ok(digits) and digits[0] != "0"):
            found.append((IdentifierKind.NHS_NUMBER, match.start(), match.end()))
    return found


# HMRC's rules: the first letter is not D, F, I, Q, U or V; the second is not D, F, I, O, Q, U
# or V; and BG, GB, KN, NK, NT, TN and ZZ are never issued.
_NI = re.compile(
    r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NI_NEVER_ISSUED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def _ni_numbers(text: str) -> list[Span]:
    return [
        (IdentifierKind.NI_NUMBER, m.start(), m.end())
        for m in _NI.finditer(text)
        if m.group(1).upper() not in _NI_NEVER_ISSUED
    ]


# Outward code (A9, A99, A9A, AA9, AA99, AA9A) then inward code (9AA); the inward letters never
# include C, I, K, M, O or V.
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})|GIR ?0AA)"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")


def _postcodes(text: str) -> list[Span]:
    found: list[Span] = []
    for match in _POSTCODE.finditer(text):
        # "b12 2nd" in lowercase prose is more likely an ordinal than a postcode.
        if match.group(2) and _ORDINAL.fullmatch(match.group(2)):
            continue
        found.append((IdentifierKind.POSTCODE, match.start(), match.end()))
    return found


# Full month names, or abbreviations with an optional full stop ("3 Apr. 2015").
_MONTH = (
    r"(?:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|jun(?:e|\.)?"
    r"|jul(?:y|\.)?|aug(?:ust|\.)?|sep(?:t(?:ember|\.)?|\.)?|oct(?:ober|\.)?"
    r"|nov(?:ember|\.)?|dec(?:ember|\.)?)"
)
_DATE = re.compile(
    r"(?<![\w/.])(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}(?![a-z])(?:,?\s+(?:\d{{4}}|'\d{{2}}))?"
    rf"|{_MONTH}(?![a-z])\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    r")(?![\w/]|\.\d)",
    re.IGNORECASE,
)
_DOB_MARKER = re.compile(
    r"(?<![\w-])(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|born)",
    re.IGNORECASE,
)
# Words that end the stretch between "born" and a date: past them, the date is about
# something else ("born in Poland and moved here on 3 May 2019").
_DOB_GAP_BREAKS = _words(
    "and but then moved came arrived entered became went who which since until after before "
    "due next meeting visit review conference seen"
)
_DOB_GAP_WORDS = 5
_DOB_LOOKAHEAD = 60


def _dates_of_birth(text: str, name_ends: set[int]) -> list[Span]:
    found: list[Span] = []
    for marker in _DOB_MARKER.finditer(text):
        date = _DATE.search(text, marker.end(), marker.end() + _DOB_LOOKAHEAD)
        if date and _plain_gap(text[marker.end() : date.start()]):
            found.append((IdentifierKind.DATE_OF_BIRTH, date.start(), date.end()))
    found.extend(_dates_after_names(text, name_ends))
    return found


def _plain_gap(gap: str) -> bool:
    if re.search(r"[.!?;](?:\s|$)|\n", gap):
        return False
    words = re.findall(r"[^\W\d_]+", gap.casefold())
    return len(words) <= _DOB_GAP_WORDS and not _DOB_GAP_BREAKS.intersection(words)


def _dates_after_names(text: str, name_ends: set[int]) -> list[Span]:
    """Case records write a child as "Kayden Smith (03.04.2015)": a dated name is a birth date."""
    found: list[Span] = []
    for match in re.finditer(r"\(\s*", text):
        before = text[: match.start()].rstrip()
        if len(before) not in name_ends:
            continue
        date = _DATE.match(text, match.end())
        if date and re.match(r"\s*\)", text[date.end() :]):
            found.append((IdentifierKind.DATE_OF_BIRTH, date.start(), date.end()))
    return found


# A 5+ digit reference (letters may lead or mix in, as in "CR-204117" or "ZW23C50012") after a
# word that recording systems put before their ids.
_CASE_KEYWORDS = (
    r"case|ref(?:erence)?|id|identifier|record|file|client|person|child|mosaic|lcs|liquidlogic"
    r"|escr|ehm|eclipse|carefirst|azeus|cp|cin|lac|cla|crn|urn"
)
_CASE_ID = re.compile(
    rf"\b(?:{_CASE_KEYWORDS})\b"
    r"(?:\s*(?:no\b\.?|number\b|num\b|#|id\b|ref\b\.?|reference\b|is\b|was\b|:|-)){0,3}"
    r"\s*[:#]?\s*(?P<id>[A-Z]{0,4}[-/]?\d[\dA-Z/-]{3,}\d|\d{5,})(?![\w/-])",
    re.IGNORECASE,
)
_CODED_ID = re.compile(r"(?<![\w/-])[A-Z]{1,4}[-/]\d{5,}(?![\w/-])")


_LONG_NUMBER = re.compile(r"\d{5,}")
_NOT_SPACE = re.compile(r"\S*")
_KEYWORD_REACH = 50


def _case_ids(text: str) -> list[Span]:
    found: set[Span] = set()
    # Scanning for the keywords everywhere is slow; every id holds a run of five digits, so
    # only the stretch before each such run is searched.
    for number in _LONG_NUMBER.finditer(text):
        start = max(0, number.start() - _KEYWORD_REACH)
        end = _NOT_SPACE.match(text, number.end()).end()
        for match in _CASE_ID.finditer(text, start, end):
            ident = match.group("id")
            if sum(ch.isdigit() for ch in ident) >= 5 and not _DATE.fullmatch(ident):
                found.add((IdentifierKind.CASE_ID, match.start("id"), match.end("id")))
    found.update((IdentifierKind.CASE_ID, m.start(), m.end()) for m in _CODED_ID.finditer(text))
    return sorted(found, key=lambda span: span[1])


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_HOUSE_NUMBER = r"\d{1,4}[A-Za-z]?(?:\s?[-\u2013]\s?\d{1,4}[A-Za-z]?)?"
_STREET_WORD = r"(?:St\.?\s|Saint\s)?[A-Z][\w'\u2019-]*"
_FLAT = r"(?:Flat|Apartment|Apt\.?|Unit|Room|Maisonette)\s+\d{1,4}[A-Za-z]?"
# A full stop belongs to an abbreviation ("Oak St."), not to a full word at a sentence end.
_STREET_TYPE = rf"(?:{_alternation(_STREET_TYPES)})\b(?:(?<=\b\w\w)\.|(?<=\b\w\w\w)\.)?"
_BUILDING_TYPE = rf"(?:{_alternation(_BUILDING_TYPES + _STREET_TYPES)})\b"
_ADDRESS = re.compile(
    rf"(?<![\w/.]){_HOUSE_NUMBER},?\s+(?:{_STREET_WORD}\s+){{1,3}}?{_STREET_TYPE}"
)
_FLAT_BEFORE = re.compile(rf"(?:{_FLAT}|(?:flat|apartment)\s+\d{{1,4}}[a-z]?),?\s+$")
_FLAT_IN_BUILDING = re.compile(rf"\b{_FLAT},?\s+(?:{_STREET_WORD}\s+){{1,3}}?{_BUILDING_TYPE}")
_NAMED_HOUSE = re.compile(
    rf"\b(?:{_STREET_WORD}\s+){{1,2}}(?:Cottage|Farm|Lodge|House|Barn|Manor|Villa),\s+"
    rf"(?:{_STREET_WORD}\s+){{1,3}}?{_STREET_TYPE}"
)
# Typed in lowercase, only the unmistakable street words count ("3 days in a row" is no address).
_LOWERCASE_ADDRESS = re.compile(
    r"(?<![\w/.])\d{1,4}[a-z]?,?\s+"
    r"(?P<words>(?:[a-z][a-z'-]+\s+){1,2})"
    r"(?:street|road|avenue|lane|crescent|drive|gardens|terrace|grove)\b"
)
_COURTS = _words(
    "family crown magistrates magistrates' county youth high coroner's coroners appeal civil "
    "criminal supreme"
)


_NAMED_HOUSE_HINT = re.compile(r"\b(?:Cottage|Farm|Lodge|House|Barn|Manor|Villa),")


def _addresses(text: str) -> list[Span]:
    found: list[Span] = []
    for match in _ADDRESS.finditer(text):
        if not _names_a_court(match.group()):
            found.append((IdentifierKind.ADDRESS, _with_flat(text, match.start()), match.end()))
    for match in _LOWERCASE_ADDRESS.finditer(text):
        if not set(match.group("words").split()) & _FUNCTION_WORDS:
            found.append((IdentifierKind.ADDRESS, _with_flat(text, match.start()), match.end()))
    found.extend(
        (IdentifierKind.ADDRESS, m.start(), m.end()) for m in _FLAT_IN_BUILDING.finditer(text)
    )
    if _NAMED_HOUSE_HINT.search(text):
        found.extend(
            (IdentifierKind.ADDRESS, m.start(), m.end()) for m in _NAMED_HOUSE.finditer(text)
        )
    return found


def _with_flat(text: str, start: int) -> int:
    """Where an address starts once a "Flat 3, " before its house number is taken in."""
    flat = _FLAT_BEFORE.search(text, max(0, start - 25), start)
    return flat.start() if flat else start


def _names_a_court(address: str) -> bool:
    """ "the 2 Family Court hearings" counts hearings; it is not 2 Family Court."""
    words = address.split()
    return words[-1] == "Court" and _fold(words[-2]) in _COURTS


# --- names -------------------------------------------------------------------------------------

_FUNCTION_WORDS = _words(
    "a an the this that these those his her their our my your its no not some any each every "
    "all both of in on at by for from to with into onto over under about after before and or "
    "but if so as than then there here when where while who whom what which is was were are be "
    "been has had have do does did can could will would should may might must it he she they "
    "we you i me him them us also just only very too more most less much many few other same "
    "such own one two three four five six seven eight nine ten days weeks months years times "
    "each every last next"
)
_DETERMINERS = _words(
    "the a an this these those no some any much more less little great real false new "
    "of our their his her my your its"
)
_PLACE_PREPOSITIONS = _words("in from at near around across via towards into")
_PRECEDES_A_PLACE = _words(
    "st st. saint queen king prince princess royal port fort mount lake great little"
)
_NAMING_WORDS = _words("called named nicknamed aka")
_RELATION_WORDS = _words(
    "baby son daughter brother sister sibling half-brother half-sister stepbrother stepsister "
    "cousin niece nephew grandson granddaughter mum mother dad father stepdad stepmum stepfather "
    "stepmother nan nana nanna nanny gran granny grandma grandad granddad grandpa grandmother "
    "grandfather mummy daddy aunt auntie aunty uncle partner boyfriend girlfriend husband wife "
    "fiancé fiance friend twin child toddler infant yp "
    "carer carers neighbour worker visitor nurse teacher iro dsl sw pa gp manager guardian "
    "advocate mentor keyworker midwife officer chair interpreter"
)
_PERSONAL_NOUNS = _words(
    "mum mummy mother dad daddy father parents parent nan nana gran granny grandma grandad "
    "grandmother grandfather grandparents brother brothers sister sisters siblings sibling aunt "
    "auntie aunty uncle cousin cousins baby son daughter partner boyfriend girlfriend husband "
    "wife friend friends school nursery college teacher class social worker sw carer carers "
    "foster placement keyworker key iro pa gp health bedroom room house home flat phone needs "
    "plan review file case birthday name contact attendance behaviour views wishes family dog "
    "care life safety progress mental"
)
_COMMUNICATION_VERBS = _words(
    "told asked saw seen visited met phoned rang texted emailed contacted collected supported "
    "informed reminded advised thanked helped encouraged interviewed reassured warned taught "
    "hugged called"
)
_VERBS_TAKING_TO_OR_WITH = _words(
    "spoke speak speaking spoken talked talk talking said explained wrote listened chatted sat "
    "played stayed lives lived living went met works worked working placed left"
)
_VERBS_AFTER_A_NAME = _words(
    "said says told tells asked was is has had did does went goes came comes attended disclosed "
    "reported stated explained refused ran left lives lived stays stayed returned became seemed "
    "appeared looked wanted wants would could can will should might must got gets needs needed "
    "felt feels likes liked loves loved hates hated cried shouted hit spoke talked smiled agreed "
    "declined told"
)
_FAMILY_NOUNS = _words("family household children siblings twins boys girls")
_PARTICLES = _words("van de der den da di du la le bin binti bint ibn al el abu von ap")
_TITLES = (
    r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Master|Sir|Dame|Lady|Lord|Cllr|Councillor|Rev|Revd"
    r"|Reverend|Fr|Father|Sister|PC|DC|DS|DI|DCI|PCSO|Sgt|Sergeant|Inspector|Judge|HHJ|Nurse"
    r"|Imam|Rabbi|Pastor"
)
_PLAIN_TITLES = _words("mr mrs ms miss mx dr")
_TITLED_NAME = re.compile(
    rf"\b(?P<title>{_TITLES})\.?(?:\s+(?:and|&)\s+(?:{_TITLES})\.?)?\s+(?:[A-Z]\.?\s*){{0,3}}"
    r"(?P<name>[A-Z][^\W\d_]*(?:['\u2019][^\W\d_]+|-[^\W\d_]+)*)"
)
# Typed all in lowercase ("spoke to mrs okafor"), only the everyday titles are trusted.
_LOWERCASE_TITLED_NAME = re.compile(r"\b(?:mr|mrs|ms)\.?\s+(?P<name>[a-z][a-z'\u2019-]+)")
_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+|-[^\W\d_]+)*")
_APOSTROPHES = "'\u2019"
_AGE_AFTER = re.compile(
    r"\s*(?:\(\s*(?:aged?\s*)?\d{1,2}\s*(?:y(?:ea)?rs?(?:\s+old)?|months?|mths?|yo|y|m)?\s*\)"
    r"|,\s*aged?\s+\d{1,2}\b)",
    re.IGNORECASE,
)
_ROLE_AFTER = re.compile(
    r"\s*\(\s*(?:maternal\s+|paternal\s+)?(?:"
    + "|".join(sorted(_RELATION_WORDS | {"foster carer", "social worker"}, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"[.!?:;\n•]")
_ABBREVIATIONS = _words("mr mrs ms dr st prof rev fr sgt cllr no")


class _Token(NamedTuple):
    start: int
    end: int  # end of the word itself, before any possessive 's
    text: str
    key: str
    shape: str  # "title", "upper", "lower" or "mixed"
    possessive: bool


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        possessive = len(word) > 2 and word[-2] in _APOSTROPHES and word[-1] in "sS"
        if possessive:
            word = word[:-2]
        start = match.start()
        tokens.append(_Token(start, start + len(word), word, *_analyse(word), possessive))
    return tokens


@functools.lru_cache(maxsize=8192)
def _analyse(word: str) -> tuple[str, str]:
    return _fold(word), _shape(word)


def _shape(word: str) -> str:
    if word.islower():
        return "lower"
    if word.isupper():
        return "upper" if len(word) > 1 else "title"
    if all(part[:1].isupper() for part in word.split("-")):
        return "title"
    return "mixed"


class _NameContext:
    """The tokens of one text with the neighbour questions the name rules ask."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.starts = [token.start for token in self.tokens]
        letters = sum(len(token.text) for token in self.tokens)
        capitals = sum(len(token.text) for token in self.tokens if token.shape == "upper")
        # Some reporters type in capitals: then "JAYDEN" is a name, not an acronym.
        self.shouting = letters > 20 and capitals > 0.7 * letters

    def word(self, i: int) -> str:
        return self.tokens[i].key if 0 <= i < len(self.tokens) else ""

    def gap_before(self, i: int) -> str:
        start = self.tokens[i - 1].start + len(self.tokens[i - 1].text) if i > 0 else 0
        if i > 0 and self.tokens[i - 1].possessive:
            start += 2
        return self.text[start : self.tokens[i].start]

    def adjacent(self, i: int) -> bool:
        """Token i follows token i-1 with only spaces between (no punctuation, no 's)."""
        if not 0 < i < len(self.tokens) or self.tokens[i - 1].possessive:
            return False
        return self.gap_before(i).strip() == ""

    def starts_sentence(self, i: int) -> bool:
        if i == 0:
            return True
        gap = self.gap_before(i)
        if not _SENTENCE_BREAK.search(gap):
            return False
        previous = self.tokens[i - 1]
        is_abbreviation = previous.key in _ABBREVIATIONS or len(previous.text) == 1
        return not (gap.strip() == "." and is_abbreviation)

    def is_capitalised(self, i: int) -> bool:
        shape = self.tokens[i].shape
        return shape == "title" or (shape == "upper" and self.shouting)

    def is_name_like(self, i: int) -> bool:
        """Could token i be part of a name: capitalised and not a role, agency or place word."""
        if not 0 <= i < len(self.tokens) or not self.is_capitalised(i):
            return False
        key = self.tokens[i].key
        if key in _NOT_NAMES or key in _PLACE_WORDS:
            return False
        return key in _KNOWN_NAMES or key not in _FUNCTION_WORDS


def _person_names(text: str) -> list[Span]:
    context = _NameContext(text)
    chosen = {i for i in range(len(context.tokens)) if _is_name(context, i)}
    chosen |= _coordinated_names(context, chosen)
    spans = [_extend(context, i) for i in sorted(chosen)]
    spans.extend(_titled_names(context))
    return [(IdentifierKind.PERSON_NAME, start, end) for start, end in spans]


def _titled_names(context: _NameContext) -> list[tuple[int, int]]:
    spans = []
    for match in _TITLED_NAME.finditer(context.text):
        key = _fold(match.group("name"))
        plain_title = _fold(match.group("title")) in _PLAIN_TITLES
        if key in _FUNCTION_WORDS or key == "teams" or (not plain_title and key in _NOT_NAMES):
            continue
        spans.append((match.start(), _extend_from_offset(context, match.end("name"))))
    for match in _LOWERCASE_TITLED_NAME.finditer(context.text):
        key = _fold(match.group("name"))
        if key not in _FUNCTION_WORDS and key not in _NOT_NAMES and key != "teams":
            spans.append((match.start(), match.end()))
    return spans


def _extend_from_offset(context: _NameContext, end: int) -> int:
    i = bisect.bisect_left(context.starts, end) - 1
    if i >= 0 and context.tokens[i].start < end <= context.tokens[i].end:
        return _extend(context, i)[1]
    return end


def _extend(context: _NameContext, i: int) -> tuple[int, int]:
    """The span of a name starting at token i, taking in surnames that follow it."""
    tokens = context.tokens
    last = i
    for _ in range(3):
        nxt = last + 1
        if nxt >= len(tokens) or tokens[last].possessive or not context.adjacent(nxt):
            break
        if tokens[last].shape == "lower":
            if tokens[nxt].key in _SURNAMES and tokens[nxt].key not in _AMBIGUOUS:
                last = nxt
            break
        if tokens[nxt].key in _PARTICLES and context.adjacent(nxt + 1):
            if context.is_name_like(nxt + 1):
                last = nxt + 1
                continue
            break
        if not _continues_name(context, nxt):
            break
        last = nxt
    return tokens[i].start, tokens[last].end


def _continues_name(context: _NameContext, i: int) -> bool:
    key = context.tokens[i].key
    return context.is_name_like(i) and key not in _CALENDAR_NAMES and not _is_place(context, i)


def _tier(key: str) -> str | None:
    """How far a known name can be trusted on its own: "plain", "word", "calendar", "place"."""
    if key in _CALENDAR_NAMES:
        return "calendar"
    if key in _PLACE_NAMES:
        return "place"
    if key in _WORD_NAMES:
        return "word"
    if key in _FIRST_NAMES or (key in _SURNAMES and len(key) > 2):
        return "plain"
    if "-" in key:
        return _hyphenated_tier(key)
    return None


def _hyphenated_tier(key: str) -> str | None:
    parts = key.split("-")
    if any(len(p) > 2 and p not in _AMBIGUOUS and p in _LISTED_NAMES for p in parts):
        return "plain"
    if all(p in _KNOWN_NAMES for p in parts):
        return "word"
    return None


def _is_name(context: _NameContext, i: int) -> bool:
    token = context.tokens[i]
    if token.shape == "lower":
        # Most words are lowercase and in no list: settle them with one look-up.
        return (token.key in _LISTED_NAMES or "-" in token.key) and (
            _is_lowercase_name(token) or _is_family_name(context, i)
        )
    if token.key in _NOT_NAMES or (token.possessive and _fold(token.text + "'s") in _NOT_NAMES):
        return False
    tier = _tier(token.key)
    if token.shape == "upper" and tier is None:
        # In text typed in capitals every word looks like a name; trust only the lists.
        return False
    if not context.is_capitalised(i) or _is_place(context, i):
        return False
    if tier is None and token.key in _FUNCTION_WORDS:
        return False
    if tier == "plain":
        return True
    if _strong_evidence(context, i, tier):
        return True
    if tier in ("word", "place"):
        return _weak_evidence(context, i, tier)
    return False


def _is_lowercase_name(token: _Token) -> bool:
    """Informal notes type names in lowercase; only names that are never ordinary words count."""
    key = token.key
    if len(key) < 3 or key in _AMBIGUOUS:
        return False
    if key in _FIRST_NAMES:
        return True
    return "-" in key and all(p in _FIRST_NAMES and p not in _AMBIGUOUS for p in key.split("-"))


def _is_family_name(context: _NameContext, i: int) -> bool:
    """ "the Okafor family", "the okafor children": a surname before a family word."""
    key = context.tokens[i].key
    known = key in _SURNAMES and key not in _AMBIGUOUS and len(key) > 2
    # "the Turner family" is a surname; "the Christian family" is not.
    unknown_capitalised = context.is_name_like(i) and (_tier(key) is None or key in _SURNAMES)
    return (
        (known or unknown_capitalised)
        and context.word(i - 1) == "the"
        and context.word(i + 1) in _FAMILY_NOUNS
        and context.adjacent(i + 1)
    )


def _is_place(context: _NameContext, i: int) -> bool:
    """ "Victoria Road", "St Mary's", "Grace House": a name that is part of a place or body."""
    tokens = context.tokens
    nxt = i + 1
    if nxt < len(tokens) and tokens[nxt].key in _PLACE_WORDS and context.is_capitalised(nxt):
        gap = context.text[tokens[i].end : tokens[nxt].start]
        if gap.strip() in ("", "'s", "\u2019s"):
            return True
    if i == 0 or context.tokens[i - 1].possessive:
        return False
    return context.gap_before(i).strip() in ("", ".") and context.word(i - 1) in _PRECEDES_A_PLACE


def _strong_evidence(context: _NameContext, i: int, tier: str | None) -> bool:
    """Context that makes any capitalised word a name: "called X", "X's mum", "X (7)"."""
    token = context.tokens[i]
    after = context.text[token.end :]
    if token.possessive:
        follows_personal = context.word(i + 1) in _PERSONAL_NOUNS
        if follows_personal or tier in ("word", "place"):
            return True
    if _introduced(context, i) or _AGE_AFTER.match(after) or _ROLE_AFTER.match(after):
        return True
    if _is_family_name(context, i):
        return True
    followed_by_surname = context.adjacent(i + 1) and _continues_name(context, i + 1)
    return tier is not None and followed_by_surname and not token.possessive


def _introduced(context: _NameContext, i: int) -> bool:
    if i == 0:
        return False
    gap = context.gap_before(i)
    if gap.strip() not in ("", ",", "(", ":", "-") or context.tokens[i - 1].possessive:
        return False
    previous = context.word(i - 1)
    if previous in _NAMING_WORDS or previous in _RELATION_WORDS:
        return True
    return previous == "as" and context.word(i - 2) == "known"


def _weak_evidence(context: _NameContext, i: int, tier: str) -> bool:
    """For names that are also words or places: a verb around them, not an article before."""
    previous = context.word(i - 1) if not context.starts_sentence(i) else ""
    if previous in _DETERMINERS or _after_proper_noun(context, i):
        return False
    if tier == "place" and previous in _PLACE_PREPOSITIONS:
        return False
    if previous in _COMMUNICATION_VERBS:
        return True
    if previous in ("to", "with") and context.word(i - 2) in _VERBS_TAKING_TO_OR_WITH:
        return True
    if context.tokens[i].possessive or not context.adjacent(i + 1):
        return False
    following = context.word(i + 1)
    return following in _VERBS_AFTER_A_NAME or (
        following.endswith("ed") and len(following) > 4 and context.tokens[i + 1].shape == "lower"
    )


def _after_proper_noun(context: _NameContext, i: int) -> bool:
    """ "Christmas Eve", "Youth Justice": a capitalised non-name before makes one phrase."""
    return (
        context.adjacent(i)
        and context.is_capitalised(i - 1)
        and context.tokens[i - 1].key in _NOT_NAMES
    )


def _coordinated_names(context: _NameContext, chosen: set[int]) -> set[int]:
    """ "Kayden and Zara", "Jack and Summer": a capitalised word listed with a name is one."""
    added = _paired_known_names(context) - chosen
    for _ in range(3):
        names = chosen | added
        new = {j for i in names for j in _coordinated_with(context, i)} - names
        if not new:
            break
        added |= new
    return added


def _coordinated_with(context: _NameContext, i: int) -> list[int]:
    found = []
    for j, link in ((i + 2, i + 1), (i - 2, i - 1)):
        if 0 <= j < len(context.tokens) and context.word(link) in ("and", "or"):
            found.append(j)
    for j in (i + 1, i - 1):
        if 0 < j < len(context.tokens) and context.gap_before(max(i, j)).strip() in (",", "&"):
            found.append(j)
    return [j for j in found if _can_join_a_list(context, j)]


def _can_join_a_list(context: _NameContext, j: int) -> bool:
    token = context.tokens[j]
    return (
        context.is_name_like(j)
        and token.key not in _CALENDAR_NAMES
        and not _is_place(context, j)
        and (token.key in _KNOWN_NAMES or not context.starts_sentence(j))
        and context.word(j - 1) not in _DETERMINERS
    )


def _paired_known_names(context: _NameContext) -> set[int]:
    """Two names from the lists joined by "and" name two people even if both are also words."""
    found: set[int] = set()
    tokens = context.tokens
    links = [k for k, token in enumerate(tokens) if token.key == "and"]
    for link in links:
        if link == 0 or link + 1 >= len(tokens) or context.word(link - 2) in _DETERMINERS:
            continue
        pair = (link - 1, link + 1)
        tiers = [_tier(tokens[j].key) for j in pair]
        if (
            all(t is not None for t in tiers)
            and tiers != ["calendar", "calendar"]
            and all(context.is_name_like(j) and not _is_place(context, j) for j in pair)
        ):
            found.update(pair)
    return found
