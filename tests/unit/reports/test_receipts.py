"""Receipt codes: enough entropy, readable, forgiving of how people type them, hashed with a key."""

import math
import re

from learnhub.reports import receipts


def test_a_receipt_carries_at_least_80_bits() -> None:
    bits = receipts.GROUPS * receipts.GROUP_LENGTH * math.log2(len(receipts.ALPHABET))
    assert bits >= 80
    assert bits == receipts.ENTROPY_BITS


def test_receipts_are_grouped_and_unambiguous() -> None:
    code = receipts.new_receipt()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}", code)


def test_receipts_differ() -> None:
    assert len({receipts.new_receipt() for _ in range(1000)}) == 1000


def test_typing_variations_normalise_to_the_same_code() -> None:
    code = receipts.new_receipt()
    sloppy = " " + code.lower().replace("-", " ") + " "
    assert receipts.normalise_receipt(sloppy) == code
    assert receipts.normalise_receipt("o0il-1111-2222-3333-4444") == "0011-1111-2222-3333-4444"


def test_things_that_cannot_be_receipts_are_refused() -> None:
    assert receipts.normalise_receipt("") is None
    assert receipts.normalise_receipt("ABCD-EFGH") is None
    assert receipts.normalise_receipt("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01") is None
    assert receipts.normalise_receipt("ABCD-EFGH-JKMN-PQRS-TV!X") is None


def test_the_hash_depends_on_the_key() -> None:
    code = receipts.new_receipt()
    assert receipts.receipt_hash(code, "one") != receipts.receipt_hash(code, "two")
    assert receipts.receipt_hash(code, "one") == receipts.receipt_hash(code, "one")
    assert code not in receipts.receipt_hash(code, "one")
