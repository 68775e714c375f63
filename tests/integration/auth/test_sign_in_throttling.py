"""Sign-in throttling that slows guessing but cannot be turned against staff (finding 7 of
issue 16: 40 failures for made-up emails blocked every account from that address for 15
minutes, and 5 wrong passwords locked any named account).

What holds, and is shown here: failures make further attempts wait (2 s doubling to a cap),
never lock; attempts while waiting are refused with the wait and count for nothing; a browser
that has signed in to an account before (its device cookie) is never held up by anyone else's
failures; a new browser waits at most the current wait (the cap) and then gets in.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from flask import Flask

from learnhub.auth import services
from learnhub.auth.throttle import DeviceCookies
from learnhub.core.permissions import Role
from tests.factories import ManualClock, login, logout, make_user
from tests.sign_in import ATTACKER, OFFICE, attempt, browser


def test_after_a_few_failures_each_further_one_doubles_the_wait_up_to_the_cap(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    user = make_user()
    attacker = browser(app, ATTACKER)
    free = app.config["LOGIN_MAX_FAILURES"]
    assert [attempt(attacker, user, "wrong password!") for _ in range(free)] == [None] * free
    seen = []
    for _ in range(8):
        assert attempt(attacker, user, "wrong password!") is None  # counted
        seen.append(attempt(attacker, user, "wrong password!"))  # refused while waiting
        sign_in_clock.now += seen[-1] or 0
    assert seen == [2, 4, 8, 16, 32, 60, 60, 60]


def test_attempts_while_waiting_are_refused_with_the_wait_and_do_not_count(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    user = make_user()
    attacker = browser(app, ATTACKER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        attempt(attacker, user, "wrong password!")
    # Even the right password is refused while the wait runs (else the wait slows no guesser).
    for _ in range(20):
        assert attempt(attacker, user, "wrong password!") == 2
    assert attempt(browser(app, OFFICE), user) == 2
    sign_in_clock.now += 2
    # The twenty refused attempts did not count: the wait after the next failure is only 4 s.
    assert attempt(attacker, user, "wrong password!") is None
    assert attempt(attacker, user) == 4
    sign_in_clock.now += 4
    assert attempt(browser(app, OFFICE), user) == "in"
    # A sign-in forgets the account's failures: the next ones are free again.
    assert attempt(attacker, user, "wrong password!") is None
    assert attempt(attacker, user, "wrong password!") is None


def test_a_flood_of_made_up_emails_from_one_address_cannot_keep_staff_out(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    regular, newcomer = make_user(Role.REVIEWER), make_user(Role.EDITOR)
    # The regular has signed in in this browser before, so it holds a device cookie.
    regulars_browser = browser(app, OFFICE)
    assert attempt(regulars_browser, regular) == "in"

    flood = browser(app, OFFICE)
    results = [attempt(flood, f"made.up.{n}@example.org", "guess guess") for n in range(45)]
    per_client = app.config["LOGIN_CLIENT_MAX_FAILURES"]
    # The flood is slowed: past the address's free failures its attempts wait, uncounted.
    assert results[: per_client + 1] == [None] * (per_client + 1)
    assert set(results[per_client + 1 :]) == {2}

    # With a device cookie: in at once, from the same address, during the address's wait.
    assert attempt(regulars_browser, regular) == "in"
    # Without one (a new browser at the same address): waits out the address's current wait
    # (2 s here; never more than LOGIN_MAX_DELAY_SECONDS), then is in on the first attempt.
    newcomers_browser = browser(app, OFFICE)
    assert attempt(newcomers_browser, newcomer) == 2
    sign_in_clock.now += 2
    assert attempt(newcomers_browser, newcomer) == "in"
    # Anyone at another address is untouched.
    assert attempt(browser(app, "192.0.2.50"), make_user(Role.LEADER)) == "in"


def test_wrong_passwords_for_a_named_account_cannot_keep_its_owner_out(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    user = make_user()
    own_browser = browser(app, OFFICE)
    assert attempt(own_browser, user) == "in"
    attacker = browser(app, ATTACKER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 3):
        assert attempt(attacker, user, "wrong password!") is None
        sign_in_clock.now += 60  # the attacker waits out every wait, as a patient one would
    assert attempt(attacker, user, "wrong password!") is None
    assert attempt(attacker, user) == 16  # the account is waiting now...
    # ...but not for its owner in their own browser: in at once, every time.
    assert attempt(own_browser, user) == "in"
    assert attempt(own_browser, user) == "in"
    # In a browser never used for this account: waits out the account's wait (at most the cap).
    new_browser = browser(app, OFFICE)
    assert attempt(new_browser, user) == 16
    sign_in_clock.now += 16
    assert attempt(new_browser, user) == "in"


def test_a_recognised_browser_that_keeps_failing_waits_on_its_own(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    user = make_user()
    own_browser = browser(app, OFFICE)
    assert attempt(own_browser, user) == "in"
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        assert attempt(own_browser, user, "wrong password!") is None
    assert attempt(own_browser, user) == 2  # a stolen device cookie is no way round the waits
    assert attempt(browser(app, ATTACKER), user) == "in"  # and its failures are its own


def test_the_device_cookie_is_signed_for_one_account_and_sent_only_to_sign_in(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    user, other = make_user(), make_user()
    own_browser = browser(app, OFFICE)
    response = login(own_browser, user)
    set_cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(DeviceCookies.NAME)
    )
    assert "Path=/login" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    assert user.email not in set_cookie
    logout(own_browser)
    cookies: DeviceCookies = app.extensions["learnhub_device_cookies"]
    assert list(cookies.read(set_cookie.split(";")[0].split("=", 1)[1])) == [user.id]

    attacker = browser(app, ATTACKER)
    for account in (user, other):
        for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
            attempt(attacker, account, "wrong password!")
    # The cookie is for ``user`` only: for another account this browser waits like any other.
    assert attempt(own_browser, other) == 2
    # A cookie changed by hand is not recognised.
    forged = browser(app, OFFICE)
    value = own_browser.get_cookie(DeviceCookies.NAME, path="/login").value
    forged.set_cookie(DeviceCookies.NAME, value[:-2] + "xx", path="/login")
    assert attempt(forged, user) == 2
    assert attempt(own_browser, user) == "in"


def test_an_unknown_email_costs_a_password_check_like_a_known_one(
    app: Flask, sign_in_clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checks.append("verify")
            return super().verify(hash, password)

    monkeypatch.setattr(services, "_hasher", CountingHasher(time_cost=1, memory_cost=1024))
    user = make_user()
    attacker = browser(app, ATTACKER)
    assert attempt(attacker, user, "wrong password!") is None
    assert attempt(attacker, "nobody.here@example.org", "wrong password!") is None
    assert checks == ["verify", "verify"]
    # And the two are throttled alike, so waits do not tell which accounts exist.
    for email in (user.email, "nobody.here@example.org"):
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            attempt(attacker, email, "wrong password!")
    assert attempt(attacker, user) == attempt(attacker, "nobody.here@example.org") == 2


def test_a_busy_office_s_typos_are_counted_over_a_window_not_for_ever(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    user = make_user()
    window = app.config["LOGIN_FAILURE_WINDOW_MINUTES"] * 60
    per_client = app.config["LOGIN_CLIENT_MAX_FAILURES"]
    # More typos from the office than its free failures, but spread over more than the window,
    # with colleagues signing in between: the office never waits.
    for n in range(per_client + 5):
        assert attempt(browser(app, OFFICE), f"typo.{n}@example.org", "wrong password!") is None
        assert attempt(browser(app, OFFICE), user) == "in"
        sign_in_clock.now += window / per_client
