"""Sign-in throttling that slows guessing without letting anyone lock staff out.

Failures make the next attempt wait (after a few free ones, 2 s doubling up to a cap): per
email, per client, and per recognised browser. Nothing is ever locked for longer than the cap,
attempts made while waiting are refused without counting, and a browser that has signed in to
an account before (its signed device cookie) is judged on its own record only, so nobody else's
failures, for that account or from that address, can keep it out. See
docs/sign-in-throttling.md.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from learnhub.core.shared_store import Record, SharedStore

ACCOUNT = "login:account:"
CLIENT = "login:client:"
DEVICE = "login:device:"
FIRST_WAIT_SECONDS = 2


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int  # per email (or recognised browser) before attempts wait
    client_max_failures: int  # per client address before its attempts wait
    max_delay_seconds: int
    failure_window_minutes: int  # a key's failures are forgotten this long after its last

    def wait_after(self, failures: int, free: int) -> float:
        """Seconds the next attempt waits after ``failures``, the first ``free`` costing none."""
        if failures <= free:
            return 0.0
        return float(min(self.max_delay_seconds, FIRST_WAIT_SECONDS * 2 ** (failures - free - 1)))


@dataclass(frozen=True)
class Key:
    """One throttled record: its store key and the failures it lets pass without a wait."""

    name: str
    free: int


@dataclass(frozen=True)
class Attempt:
    """An attempt allowed to go ahead; ``claimed`` holds the keys it holds the next slot of."""

    keys: tuple[Key, ...]
    claimed: tuple[Key, ...]


class Waiting(Exception):
    def __init__(self, seconds: float, key: Key) -> None:
        super().__init__(f"wait {seconds:.0f} s")
        self.seconds = max(1, math.ceil(seconds))
        self.key = key


class LoginThrottle:
    """Progressive waits kept in the shared store. Records are keyed on keyed hashes of the
    email and of the client address (the day's secret), so the store holds neither."""

    def __init__(
        self,
        store: SharedStore,
        policy: LoginPolicy,
        secret_key: str,
        client_key: Callable[[str], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.policy = policy
        self._email_secret = hashlib.sha256(b"learnhub.sign-in:" + secret_key.encode()).digest()
        self._client_key = client_key
        self.clock = clock

    @property
    def ttl_seconds(self) -> float:
        return self.policy.failure_window_minutes * 60 + self.policy.max_delay_seconds

    def account_key(self, email: str) -> Key:
        digest = hmac.new(self._email_secret, email.strip().lower().encode(), hashlib.sha256)
        return Key(ACCOUNT + digest.hexdigest()[:32], self.policy.max_failures)

    def client_key(self, client: str) -> Key:
        return Key(CLIENT + self._client_key(client), self.policy.client_max_failures)

    def device_key(self, nonce: str) -> Key:
        return Key(DEVICE + nonce, self.policy.max_failures)

    def begin(self, keys: tuple[Key, ...]) -> Attempt:
        """Let an attempt go ahead, or raise Waiting with the wait left on the first of ``keys``
        that has one (the attempt then counts against none of them).

        A key at its free failures is claimed until this attempt ends, as if it had failed, so
        that attempts sent together as a wait ends get one answer between them, not one each."""
        now = self.clock()
        claimed: list[Key] = []
        for key in keys:
            waiting: list[float] = []

            def claim(
                record: Record | None, key: Key = key, waiting: list[float] = waiting
            ) -> Record | None:
                if record is not None and record["until"] > now:
                    waiting.append(record["until"] - now)
                    return record
                pause = self.policy.wait_after(self.failures_in_window(record, now) + 1, key.free)
                return {**(record or {}), "until": now + pause} if pause else record

            record = self.store.update(key.name, claim, self.ttl_seconds)
            if waiting:
                self._release(claimed)
                raise Waiting(waiting[0], key)
            if record is not None and record["until"] > now:
                claimed.append(key)
        return Attempt(keys, tuple(claimed))

    def end(self, attempt: Attempt, *, failed: bool, user_id: int | None = None) -> None:
        """Count a failure against every key of ``attempt``, starting its next wait; or, after a
        success, forget the email's and the browser's failures and release the client's claim
        (a shared address's count is not wiped by one person signing in)."""
        now = self.clock()
        for key in attempt.keys:
            if not failed:
                if key.name.startswith(CLIENT):
                    self._release([key] if key in attempt.claimed else [])
                else:
                    self.store.delete(key.name)
                continue

            def count(record: Record | None, key: Key = key) -> Record:
                failures = self.failures_in_window(record, now) + 1
                new: Record = {
                    "failures": failures,
                    "until": now + self.policy.wait_after(failures, key.free),
                    "since": record["since"] if record and failures > 1 else now,
                }
                if user_id is not None and not key.name.startswith(CLIENT):
                    new["user"] = user_id  # lets an administrator find and clear it
                return new

            self.store.update(key.name, count, self.ttl_seconds)

    def failures_in_window(self, record: Record | None, now: float) -> int:
        """The failures of ``record`` within the window that began with its first; a count
        does not grow for ever at a busy shared address just because failures keep coming."""
        if (
            record is None
            or now - record.get("since", now) >= self.policy.failure_window_minutes * 60
        ):
            return 0
        return int(record.get("failures", 0))

    def _release(self, keys: list[Key]) -> None:
        now = self.clock()
        for key in keys:
            self.store.update(
                key.name,
                lambda record: None if record is None else {**record, "until": now},
                self.ttl_seconds,
            )

    def delayed(self) -> dict[str, Record]:
        """Every email and browser record with failures counted or a wait running (clients
        are not listed), with ``failures`` as counted now."""
        now = self.clock()
        records = {}
        for prefix in (ACCOUNT, DEVICE):
            for name, record in self.store.records(prefix).items():
                failures = self.failures_in_window(record, now)
                if failures or record["until"] > now:
                    records[name] = {**record, "failures": failures}
        return records

    def clear_user(self, user_id: int, email: str) -> int:
        """Forget the failures of ``email`` and of any browser of that user; return how many."""
        own = self.account_key(email).name
        names = [n for n, r in self.delayed().items() if n == own or r.get("user") == user_id]
        self.store.delete(*names)
        return len(names)

    def clear_clients(self) -> int:
        names = list(self.store.records(CLIENT))
        self.store.delete(*names)
        return len(names)

    def waiting_clients(self) -> int:
        now = self.clock()
        return sum(1 for record in self.store.records(CLIENT).values() if record["until"] > now)

    def reset(self) -> None:
        self.store.reset()


class DeviceCookies:
    """The signed cookie that lets a browser which has signed in to an account before be judged
    on its own failures only (OWASP's "device cookie"). It holds, for up to ``KEEP`` accounts,
    the account's id and a random nonce that names the browser's record; nothing else."""

    NAME = "learnhub_device"
    KEEP = 5

    def __init__(self, secret_key: str, max_age_days: int) -> None:
        self.serializer = URLSafeTimedSerializer(secret_key, salt="learnhub.device-cookie")
        self.max_age_seconds = max_age_days * 24 * 3600

    def read(self, raw: str | None) -> dict[int, str]:
        """Account id to nonce, from a cookie this service signed within its age; else empty."""
        if not raw or len(raw) > 1024:
            return {}
        try:
            entries = self.serializer.loads(raw, max_age=self.max_age_seconds)
        except BadSignature:
            return {}
        try:
            return {int(user_id): str(nonce) for user_id, nonce in entries}
        except (TypeError, ValueError):
            return {}

    def issue(self, known: dict[int, str], user_id: int) -> str:
        """The cookie's new value after ``user_id`` signed in: a fresh nonce for that account
        (its old record is left to expire), the most recent accounts first."""
        entries = [[user_id, secrets.token_urlsafe(16)]]
        entries += [[uid, nonce] for uid, nonce in known.items() if uid != user_id]
        return self.serializer.dumps(entries[: self.KEEP])
