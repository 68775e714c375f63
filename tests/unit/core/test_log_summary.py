"""The daily summary of records made while serving reporters (learnhub.core.log_summary): what
it keeps of a record (nothing from the request), when it writes, and with what time."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest

from learnhub.core.anonymous_routes import mark_serving, unmark
from learnhub.core.log_summary import (
    SUMMARY,
    SUMMARY_LOGGER,
    DailySummary,
    entry_for,
    install_log_record_factory,
    start_of,
    withhold,
)

REPORTER_WORDS = "Jayden Okafor at 14 Larch Road"


class Sink(logging.Handler):
    """Every record any logger writes, as its handlers would see it."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def sink() -> Iterator[Sink]:
    install_log_record_factory()
    SUMMARY.take()  # whatever earlier tests left is not this test's
    handler = Sink()
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        SUMMARY.take()


def fail_with_reporters_words() -> None:
    raise ValueError(REPORTER_WORDS)


def log_while_serving_a_reporter(logger: logging.Logger) -> None:
    token = mark_serving(True)
    try:
        logger.info("Reply from %s", REPORTER_WORDS)
        logger.warning(f"Inline {REPORTER_WORDS}")  # the careless case: words in the text
        try:
            fail_with_reporters_words()
        except ValueError:
            logger.exception("Could not file %s", REPORTER_WORDS)
    finally:
        unmark(token)


def summary_lines(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.name == SUMMARY_LOGGER]


def test_records_made_while_serving_a_reporter_reach_no_handler(sink: Sink) -> None:
    logger = logging.getLogger("learnhub.test.reporter")
    log_while_serving_a_reporter(logger)
    logger.info("A staff page")
    assert [r.getMessage() for r in sink.records] == ["A staff page"]


def test_the_summary_counts_them_with_nothing_from_the_request(sink: Sink) -> None:
    logger = logging.getLogger("learnhub.test.reporter")
    log_while_serving_a_reporter(logger)
    log_while_serving_a_reporter(logger)
    assert SUMMARY.write() == 3
    lines = [r.getMessage() for r in summary_lines(sink.records)]
    assert len(lines) == 3
    text = "\n".join(lines)
    for word in ("Jayden", "Okafor", "Larch", "Inline"):
        assert word not in text
    error = next(line for line in lines if "ValueError" in line)
    assert 'count=2 level="ERROR"' in error
    assert 'message="Could not file %s"' in error
    assert 'raised_at="tests/unit/core/test_log_summary.py:' in error
    assert "(fail_with_reporters_words)" in error
    assert 'logged_at="tests/unit/core/test_log_summary.py:' in error
    # The f-string message carried the words in its text: only where it was logged is kept.
    inline = next(line for line in lines if 'level="WARNING"' in line)
    assert "message=" not in inline
    assert SUMMARY.write() == 0  # written once


def test_summary_lines_carry_the_day_and_no_finer_time(sink: Sink) -> None:
    log_while_serving_a_reporter(logging.getLogger("learnhub.test.reporter"))
    SUMMARY.write()
    lines = summary_lines(sink.records)
    assert lines
    midnight = start_of(dt.date.today())
    formatter = logging.Formatter("%(asctime)s %(msecs)d %(relativeCreated)d %(message)s")
    for record in lines:
        assert (record.created, record.msecs, record.relativeCreated) == (midnight, 0, 0)
        assert f"{dt.date.today().isoformat()} 00:00:00,000 0 0 " in formatter.format(record)
        assert f'day="{dt.date.today().isoformat()}"' in record.getMessage()


def test_a_finished_day_is_written_by_the_next_record_made_outside_a_reporters_request(
    sink: Sink,
) -> None:
    summary = DailySummary()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    record = logging.makeLogRecord({"name": "werkzeug", "levelno": logging.ERROR, "msg": "x"})
    record.levelname = "ERROR"
    record.created = start_of(yesterday) + 12 * 3600 + 34 * 60
    summary.count(record)
    assert summary.due_at == start_of(dt.date.today())
    assert summary.write(before=yesterday) == 0  # not finished yet at the start of yesterday
    assert summary.write(before=dt.date.today()) == 1
    line = summary_lines(sink.records)[-1]
    assert line.created == start_of(yesterday)
    assert f'day="{yesterday.isoformat()}"' in line.getMessage()
    assert "12:34" not in line.getMessage()


def test_the_factory_writes_a_finished_day_before_the_first_staff_record(sink: Sink) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    old = logging.makeLogRecord({"name": "learnhub.test", "levelno": logging.WARNING})
    old.levelname = "WARNING"
    old.created = start_of(yesterday) + 3600
    SUMMARY.count(old)
    logging.getLogger("learnhub.test.staff").warning("A staff page")
    messages = [r.getMessage() for r in sink.records]
    assert len(messages) == 2
    assert f'day="{yesterday.isoformat()}"' in messages[0]
    assert messages[1] == "A staff page"


def test_a_record_made_while_serving_a_reporter_does_not_write_a_finished_day(
    sink: Sink,
) -> None:
    """Writing then would put the summary exactly where a reporter's request happened."""
    yesterday = dt.date.today() - dt.timedelta(days=1)
    old = logging.makeLogRecord({"name": "learnhub.test", "levelno": logging.WARNING})
    old.levelname = "WARNING"
    old.created = start_of(yesterday) + 3600
    SUMMARY.count(old)
    log_while_serving_a_reporter(logging.getLogger("learnhub.test.reporter"))
    assert sink.records == []


def test_a_withheld_record_is_empty_and_dated_to_the_day() -> None:
    record = logging.makeLogRecord({"msg": "Reply from %s", "args": (REPORTER_WORDS,)})
    record.exc_info = (ValueError, ValueError(REPORTER_WORDS), None)
    entry = entry_for(record)
    withhold(record)
    assert record.getMessage() == ""
    assert record.exc_info is None
    assert record.levelno < logging.NOTSET
    assert record.created == start_of(dt.date.fromtimestamp(record.created))
    assert entry.exception == "ValueError"
    assert REPORTER_WORDS not in repr(entry)
