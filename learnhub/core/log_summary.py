"""The daily summary of what was logged while serving reporters.

A log line's time, or only its place among other timed lines, can date a reporter's request. So
a record made while a reporter's request is served is written nowhere at the time: it is
counted here by what the code says (logger, level, message template, exception type, where it
was logged and raised) and never by what the request carried, and each day's counts are written
as lines stamped with that day only, once the day is over (or when the process stops).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import math
import threading
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from learnhub.core.anonymous_routes import mark_serving, serving_anonymous_request, unmark

SUMMARY_LOGGER = "learnhub.anonymous"
# Logger.callHandlers writes a record only to handlers whose level it reaches, and no handler's
# level is below NOTSET (0): a record at this level reaches none, wherever it is sent.
WITHHELD = -1
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
LEARNHUB_PACKAGE = PACKAGE_ROOT / "learnhub"


class Entry(NamedTuple):
    """One kind of record: everything here comes from the code, nothing from a request."""

    logger: str
    level: str
    template: str
    exception: str
    raised_at: str
    logged_at: str


def short_path(filename: str) -> str:
    path = Path(filename)
    for marker in ("site-packages", "dist-packages"):
        if marker in path.parts:
            return "/".join(path.parts[len(path.parts) - path.parts[::-1].index(marker) :])
    try:
        return path.resolve().relative_to(PACKAGE_ROOT).as_posix()
    except (ValueError, OSError):
        return path.name


def raised_at(traceback: TracebackType | None) -> str:
    """Where the exception was raised: the innermost frame in LearnHub's own code if there is
    one (the line to look at), otherwise the innermost frame."""
    innermost = ours = None
    while traceback is not None:
        innermost = traceback
        if Path(traceback.tb_frame.f_code.co_filename).is_relative_to(LEARNHUB_PACKAGE):
            ours = traceback
        traceback = traceback.tb_next
    chosen = ours or innermost
    if chosen is None:
        return ""
    code = chosen.tb_frame.f_code
    return f"{short_path(code.co_filename)}:{chosen.tb_lineno} ({code.co_name})"


def entry_for(record: logging.LogRecord) -> Entry:
    # A message with arguments is a template and the request's values are in the arguments;
    # one without may have had them formatted in already (an f-string), so it is not kept:
    # where it was logged says which message it was.
    template = record.msg if isinstance(record.msg, str) and record.args else ""
    exception = location = ""
    if record.exc_info and record.exc_info[0] is not None:
        kind = record.exc_info[0]
        module = "" if kind.__module__ == "builtins" else kind.__module__ + "."
        exception = module + kind.__qualname__
        location = raised_at(record.exc_info[2])
    return Entry(
        logger=record.name,
        level=record.levelname,
        template=template,
        exception=exception,
        raised_at=location,
        logged_at=f"{short_path(record.pathname)}:{record.lineno}",
    )


def day_of(timestamp: float) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp).date()


def start_of(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time()).timestamp()


def withhold(record: logging.LogRecord) -> None:
    """Leave ``record`` nothing to write and nowhere to be written."""
    record.levelno = WITHHELD
    record.levelname = "WITHHELD"
    record.msg, record.args = "", ()
    record.exc_info = record.exc_text = record.stack_info = None
    record.created = start_of(day_of(record.created))
    record.msecs = record.relativeCreated = 0


class DailySummary:
    """Counts of withheld records, by day (the process's local date, as log stamps use)."""

    def __init__(self) -> None:
        self._days: dict[dt.date, Counter[Entry]] = {}
        self._lock = threading.Lock()
        # A record made at or after this moment finds a finished day waiting to be written.
        self.due_at = math.inf

    def count(self, record: logging.LogRecord) -> None:
        day = day_of(record.created)
        entry = entry_for(record)
        with self._lock:
            self._days.setdefault(day, Counter())[entry] += 1
            self.due_at = min(self.due_at, start_of(day + dt.timedelta(days=1)))

    def held(self) -> int:
        """How many records are counted and not yet written."""
        with self._lock:
            return sum(sum(counts.values()) for counts in self._days.values())

    def take(self, before: dt.date | None = None) -> list[tuple[dt.date, Counter[Entry]]]:
        """Remove and return the counts of the days before ``before`` (every day if None)."""
        with self._lock:
            days = sorted(d for d in self._days if before is None or d < before)
            taken = [(day, self._days.pop(day)) for day in days]
            self.due_at = min(
                (start_of(d + dt.timedelta(days=1)) for d in self._days), default=math.inf
            )
        return taken

    def write(self, before: dt.date | None = None) -> int:
        """Write the counts of the days before ``before`` (every day if None) as summary lines,
        each stamped with its day only; return how many lines were written."""
        logger = logging.getLogger(SUMMARY_LOGGER)
        # Written as the process's own lines, even from a thread whose last request was a
        # reporter's (a synchronous worker's main thread at exit).
        token = mark_serving(False)
        try:
            return self._write(logger, self.take(before))
        finally:
            unmark(token)

    @staticmethod
    def _write(logger: logging.Logger, days: list[tuple[dt.date, Counter[Entry]]]) -> int:
        written = 0
        for day, counts in days:
            for entry, number in sorted(counts.items()):
                level = logging.getLevelName(entry.level)
                level = level if isinstance(level, int) else logging.WARNING
                if not logger.isEnabledFor(level):
                    continue
                record = logger.makeRecord(
                    logger.name, level, __file__, 0, summary_line(day, entry, number), (), None
                )
                record.created = start_of(day)
                record.msecs = record.relativeCreated = 0
                logger.handle(record)
                written += 1
        return written


def summary_line(day: dt.date, entry: Entry, number: int) -> str:
    fields = {
        "day": day.isoformat(),
        "count": number,
        "level": entry.level,
        "logger": entry.logger,
        "message": entry.template,
        "exception": entry.exception,
        "raised_at": entry.raised_at,
        "logged_at": entry.logged_at,
    }
    text = " ".join(f"{name}={json.dumps(value)}" for name, value in fields.items() if value != "")
    return f"Reporting routes, daily summary: {text}"


SUMMARY = DailySummary()


def write_summary(before: dt.date | None = None) -> int:
    """Write the process's withheld-record counts (all of them, or the days before ``before``);
    for the end of a process, or a hook that must not wait for the day to change."""
    return SUMMARY.write(before)


def install_log_record_factory() -> None:
    """From now on, a record made while a reporter's request is served is counted and withheld,
    whatever logger made it and whatever handlers would have written it (set once per process,
    at record creation). Finished days are written when a record is made outside a reporter's
    request, and everything left when the process exits."""
    current = logging.getLogRecordFactory()
    if getattr(current, "learnhub_withholds", False):
        return

    def withholding_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        if serving_anonymous_request():
            SUMMARY.count(record)
            withhold(record)
        elif record.created >= SUMMARY.due_at:
            SUMMARY.write(before=day_of(record.created))
        return record

    withholding_factory.learnhub_withholds = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(withholding_factory)
    atexit.register(write_summary)
