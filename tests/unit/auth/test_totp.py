"""TOTP codes without a database: the drift allowed, replays refused, malformed codes."""

from __future__ import annotations

import datetime as dt

from learnhub.auth import mfa

NOW = dt.datetime(2026, 12, 7, 12, 0, 15, tzinfo=dt.UTC)
STEP = int(NOW.timestamp()) // mfa.STEP_SECONDS


def at(seconds: int) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def test_a_code_matches_its_step_and_one_either_side() -> None:
    secret = mfa.new_secret()
    assert mfa.matching_step(secret, mfa.code_for(secret, NOW), NOW, None) == STEP
    assert mfa.matching_step(secret, mfa.code_for(secret, at(-30)), NOW, None) == STEP - 1
    assert mfa.matching_step(secret, mfa.code_for(secret, at(30)), NOW, None) == STEP + 1
    assert mfa.matching_step(secret, mfa.code_for(secret, at(-90)), NOW, None) is None
    assert mfa.matching_step(secret, mfa.code_for(secret, at(90)), NOW, None) is None


def test_a_step_at_or_before_the_last_accepted_never_matches() -> None:
    secret = mfa.new_secret()
    code = mfa.code_for(secret, NOW)
    assert mfa.matching_step(secret, code, NOW, STEP) is None
    assert mfa.matching_step(secret, code, NOW, STEP - 1) == STEP


def test_spaces_are_ignored_and_anything_else_is_refused() -> None:
    secret = mfa.new_secret()
    code = mfa.code_for(secret, NOW)
    assert mfa.matching_step(secret, f"{code[:3]} {code[3:]}", NOW, None) == STEP
    for bad in ("", "12345", "1234567", "abcdef", code + "0"):
        assert mfa.matching_step(secret, bad, NOW, None) is None


def test_the_secret_is_grouped_for_typing_and_named_in_the_uri() -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert mfa.grouped(secret) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    uri = mfa.provisioning_uri(secret, "sam@example.org", "LearnHub")
    assert uri.startswith("otpauth://totp/LearnHub:sam%40example.org?secret=" + secret)


def test_recovery_codes_hash_the_same_however_they_are_typed() -> None:
    assert mfa.recovery_digest("abcd-efgh-jkmn-pqrs") == mfa.recovery_digest("ABCD EFGH JKMN PQRS")
