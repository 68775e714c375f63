"""Reference data the public pages read on every request (service areas, the active taxonomy),
kept in each process for a few seconds instead of being queried each time.

A change this process makes through the ORM empties the cache at once (on flush, and again on
commit or rollback); a change made by another process (another web worker, the CLI) is seen
within ``REFERENCE_SECONDS``. Anything that must be exact — the service area or codes a report
is filed under — is still checked against the database when it is used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session, UOWTransaction

T = TypeVar("T")

# Short enough that a taxonomy activated from the CLI reaches every web worker before anyone
# notices, long enough that the report pages stop querying for it under load.
REFERENCE_SECONDS = 10.0
EXTENSION = "learnhub_reference_cache"
_CHANGED = "learnhub_reference_changed"
# The models whose rows the cached values are made from (init_app says which).
_WATCHED: set[type] = set()


class ExpiringCache:
    """Values by name, each dropped ``seconds`` after it was computed, or on ``clear``."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._values: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def get(self, name: str, compute: Callable[[], T]) -> T:
        now = self.clock()
        with self._lock:
            kept = self._values.get(name)
            generation = self._generation
        if kept is not None and now - kept[0] < self.seconds:
            return kept[1]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            # A clear() while computing means the value may predate the change: use it for
            # this request only.
            if generation == self._generation:
                self._values[name] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._generation += 1


def reference_cache() -> ExpiringCache:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def init_app(app: Flask, watched: tuple[type, ...]) -> None:
    """Keep a cache on ``app``, emptied whenever this process changes one of ``watched``."""
    app.extensions[EXTENSION] = ExpiringCache(REFERENCE_SECONDS)
    if not sa.event.contains(Session, "after_flush", _note_changes):
        sa.event.listen(Session, "after_flush", _note_changes)
        for name in ("after_commit", "after_rollback", "after_soft_rollback"):
            sa.event.listen(Session, name, _clear_if_changed)
    _WATCHED.update(watched)


def _clear_current() -> None:
    if has_app_context() and EXTENSION in current_app.extensions:
        reference_cache().clear()


def _note_changes(session: Session, _flush: UOWTransaction) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(instance, tuple(_WATCHED)) for instance in changed):
        session.info[_CHANGED] = True
        _clear_current()


def _clear_if_changed(session: Session, *_args: object) -> None:
    # Again after the transaction ends: a value another thread loaded between the flush and
    # the commit, or one this session loaded from its own rolled-back changes, is stale.
    if session.info.pop(_CHANGED, False):
        _clear_current()
