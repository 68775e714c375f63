"""Sending the bulletin: the sender that keeps one delivery row per recipient so that a crash or
restart sends no one the issue twice. (The messages are built in rendering.py, their links signed
in links.py; SMTP itself is learnhub/core/email.py.)

The sender commits as it goes, through the ``commit`` its caller gives it (the job or command
that owns the transaction): a claim must be committed before its messages leave.

The sending rule (at most once per recipient):
1. Delivery rows are made up front for every confirmed subscriber who has none (a unique
   constraint on bulletin + subscriber keeps it to one).
2. A batch of owed rows (BATCH_SIZE) is claimed: each marked ``sending`` with the claim time
   and the Message-ID its message will carry, in one commit made BEFORE any message of the
   batch is handed to SMTP. The same commit records the outcomes that came back since the last
   claim (``sent`` once the server accepted a message, or its refusal).
3. The batch goes out over a few reused connections (CONNECTIONS, one worker thread each, which
   builds the message and hands it over). The next batch is claimed when about one message per
   connection is left, so the connections never wait on the database; while the server is slow,
   outcomes are committed on their own every OUTCOME_WAIT.
4. A sender that dies therefore leaves at most BATCH_SIZE + CONNECTIONS rows that may or may not
   have arrived: the ``sending`` rows, all with a Message-ID. On restart they are NOT resent:
   each is marked uncertain (``failed_temporary`` with ``UNCERTAIN`` in its error) and shown to
   the editor, with its Message-ID to look up in the mail server's log, and a button to send it
   again. (A ``sending`` row without one, left by an older sender, was never handed over: it
   goes back to ``pending``.) A sender that is still alive when a connection fails takes back
   the messages no worker had started: certainly not handed over, they are pending again.
5. Only a 5xx answer to one recipient (RCPT TO) is ``failed_permanent``: that mailbox is
   refused. Everything else is ``failed_temporary`` and retried, up to MAX_ATTEMPTS, the
   scheduled send waiting longer each time (``retry_wait``): a 4xx, a lost connection before the
   content was sent, a refused DATA, and above all a refusal of the whole connection (a 5xx
   greeting, HELO, login or MAIL FROM: a mis-set relay), which says nothing about any address.
   Such a failure stops the send, and every row still owed waits for the next retry.
"""

from __future__ import annotations

import datetime as dt
import enum
import smtplib
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.bulletins import rendering
from learnhub.bulletins.models import (
    Bulletin,
    BulletinStatus,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
)
from learnhub.bulletins.services import BulletinError
from learnhub.core.email import (
    ContentMayHaveArrived,
    SmtpSettings,
    hand_over,
    is_permanent_refusal,
    send_message,
    sender_domain,
    smtp_connection,
    smtp_error_text,
)
from learnhub.core.jobs import LeaseHeld, lease
from learnhub.core.time import utcnow

# Rows claimed, with their Message-IDs, in one commit. A crash can leave a batch and the
# messages still out from the one before uncertain (BATCH_SIZE + CONNECTIONS at most): every one
# is a colleague the editor must check for by hand, so the batch stays small. At 8 the sender
# commits about 13 times per 100 messages instead of about 60, and sent 530 to 670 messages a
# second in the benchmark (25 gave 680 to 770, for up to 29 uncertain after a crash).
BATCH_SIZE = 8
# SMTP connections in use at once, each reused for many messages. Four keep the relay busy
# while the sender waits on round trips: on two cores two reached about 520 messages a second,
# four 740 to 860, eight no more (the sender's one interpreter lock and the relay are the limit).
CONNECTIONS = 4
# While the mail server is slow to answer, outcomes are committed at least this often, so that a
# crash then leaves uncertain only what was really out.
OUTCOME_WAIT = 0.2  # seconds
# A temporary failure is retried by the scheduled send after 5, 10, 20, ... minutes (at most 4
# hours apart): a relay mis-set over a weekend is tried for about a day before LearnHub stops and
# the editor decides (the page offers "try the failed ones again").
MAX_ATTEMPTS = 10
RETRY_FIRST_WAIT = dt.timedelta(minutes=5)
RETRY_LONGEST_WAIT = dt.timedelta(hours=4)
# Answers that refuse the whole connection, not one recipient: never a permanent failure.
CONNECTION_REFUSALS = (
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)
UNCERTAIN = "UNCERTAIN"
# A holder on another host that stopped without releasing it is taken over after this; on
# this host a dead holder's lease is taken at once (learnhub.core.jobs.lease).
SEND_LEASE = dt.timedelta(hours=1)

Commit = Callable[[], None]


@dataclass
class SendResult:
    bulletin_number: int
    created: int = 0
    sent: int = 0
    failed_permanent: int = 0
    failed_temporary: int = 0
    requeued: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What this run did; the issue's totals are ``DeliveryState.summary``."""
        text = f"This run: {self.sent} sent, {self.failed_permanent} refused"
        if self.failed_temporary:
            text += f", {self.failed_temporary} to retry"
        return text + "."


def retry_wait(attempts: int) -> dt.timedelta:
    """How long the scheduled send waits before trying a row again after ``attempts`` tries."""
    return min(RETRY_FIRST_WAIT * 2 ** max(attempts - 1, 0), RETRY_LONGEST_WAIT)


@dataclass(frozen=True)
class DeliveryState:
    """Where an issue's emails stand, in the words the page and ``bulletins send`` both use."""

    sent: int = 0
    refused: int = 0
    to_go: int = 0  # not tried yet, or waiting for a retry
    given_up: int = 0  # temporary failures tried MAX_ATTEMPTS times
    uncertain: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.refused + self.to_go + self.given_up + self.uncertain

    @property
    def failed(self) -> int:
        return self.given_up + self.to_go

    def summary(self) -> str:
        text = f"{self.sent} sent, {self.refused} refused, {self.to_go} still to go or to retry"
        if self.given_up:
            text += f", {self.given_up} given up after {MAX_ATTEMPTS} tries"
        if self.uncertain:
            text += f", {self.uncertain} uncertain (may have arrived; not sent again)"
        return text


def delivery_state(session: Session, bulletin_id: int) -> DeliveryState:
    # Constants written into the SQL, so that PostgreSQL sees the grouped expressions as the
    # selected ones (two bound parameters would be two different expressions to it).
    exhausted = Delivery.attempts >= sa.literal_column(str(int(MAX_ATTEMPTS)))
    uncertain = sa.func.coalesce(
        Delivery.last_error.like(sa.literal_column(f"'{UNCERTAIN}:%'")), sa.false()
    )
    rows = session.execute(
        sa.select(Delivery.status, exhausted, uncertain, sa.func.count())
        .where(Delivery.bulletin_id == bulletin_id)
        .group_by(Delivery.status, exhausted, uncertain)
    ).all()
    counts = dict.fromkeys(("sent", "refused", "to_go", "given_up", "uncertain"), 0)
    for status, exhausted, is_uncertain, n in rows:
        status = DeliveryStatus(status)
        if status == DeliveryStatus.SENT:
            counts["sent"] += n
        elif status == DeliveryStatus.FAILED_PERMANENT:
            counts["refused"] += n
        elif status == DeliveryStatus.FAILED_TEMPORARY and is_uncertain:
            counts["uncertain"] += n
        elif status == DeliveryStatus.FAILED_TEMPORARY and exhausted:
            counts["given_up"] += n
        else:
            counts["to_go"] += n
    return DeliveryState(**counts)


def next_retry_at(session: Session, bulletin: Bulletin) -> dt.datetime | None:
    """When the scheduled send should next carry on this issue: now if a row has not been
    tried, else when the soonest waiting retry falls due; None when nothing is owed."""
    if session.scalar(
        sa.select(Delivery.id)
        .where(
            Delivery.bulletin_id == bulletin.id,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
        .limit(1)
    ):
        return utcnow()
    waiting = session.execute(
        sa.select(Delivery.attempts, sa.func.min(Delivery.last_attempt_at))
        .where(
            Delivery.bulletin_id == bulletin.id,
            Delivery.status == DeliveryStatus.FAILED_TEMPORARY,
            Delivery.attempts < MAX_ATTEMPTS,
            sa.or_(Delivery.last_error.is_(None), ~Delivery.last_error.like(f"{UNCERTAIN}:%")),
        )
        .group_by(Delivery.attempts)
    ).all()
    times = [_aware(last) + retry_wait(attempts) for attempts, last in waiting if last]
    return min(times) if times else None


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Retry(enum.StrEnum):
    """What the editor may send again (the page offers only those with someone in them)."""

    FAILED = "failed"  # temporary failures, including those given up
    REFUSED = "refused"  # refused by the mail server (a fixed mailbox, a relay that was mis-set)
    UNCERTAIN = "uncertain"  # may have arrived: they may get it twice


def requeue(session: Session, bulletin: Bulletin, which: Retry) -> int:
    """The editor's decision: these rows are owed the issue again, with fresh tries."""
    is_uncertain = Delivery.last_error.like(f"{UNCERTAIN}:%")
    condition = {
        Retry.FAILED: sa.and_(
            Delivery.status == DeliveryStatus.FAILED_TEMPORARY,
            sa.or_(Delivery.last_error.is_(None), ~is_uncertain),
        ),
        Retry.REFUSED: Delivery.status == DeliveryStatus.FAILED_PERMANENT,
        Retry.UNCERTAIN: sa.and_(Delivery.status == DeliveryStatus.FAILED_TEMPORARY, is_uncertain),
    }[which]
    result = session.execute(
        sa.update(Delivery)
        .where(Delivery.bulletin_id == bulletin.id, condition)
        .values(status=DeliveryStatus.PENDING, attempts=0, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def create_deliveries(session: Session, bulletin: Bulletin) -> int:
    """One pending row for each confirmed subscriber who has none for this issue."""
    has_row = sa.select(Delivery.id).where(
        Delivery.bulletin_id == bulletin.id, Delivery.subscriber_id == Subscriber.id
    )
    missing = session.scalars(
        sa.select(Subscriber.id).where(
            Subscriber.status == SubscriberStatus.CONFIRMED, ~has_row.exists()
        )
    ).all()
    if missing:
        session.execute(
            sa.insert(Delivery),
            [
                {
                    "bulletin_id": bulletin.id,
                    "subscriber_id": subscriber_id,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                }
                for subscriber_id in missing
            ],
        )
    session.flush()
    return len(missing)


def recover_interrupted(session: Session, bulletin: Bulletin) -> tuple[int, int]:
    """Rows a dead sender left ``sending``: one with a Message-ID was claimed for handing over
    (it may have arrived: marked uncertain, not resent); one without, left by an older sender,
    was never handed over (pending again). Only call while holding this issue's send lease, so
    no live sender owns them."""
    rows = session.scalars(
        sa.select(Delivery).where(
            Delivery.bulletin_id == bulletin.id, Delivery.status == DeliveryStatus.SENDING
        )
    ).all()
    requeued = uncertain = 0
    for row in rows:
        if row.message_id:
            row.status = DeliveryStatus.FAILED_TEMPORARY
            row.last_error = (
                f"{UNCERTAIN}: the send stopped after this message was claimed for the mail "
                f"server, so it may have arrived; not sent again automatically (Message-ID "
                f"{row.message_id})"
            )
            uncertain += 1
        else:
            row.status = DeliveryStatus.PENDING
            row.attempts = max(row.attempts - 1, 0)
            requeued += 1
    session.flush()
    return requeued, uncertain


def resend_uncertain(session: Session, bulletin: Bulletin) -> int:
    """The editor's decision: send the uncertain ones again (they may get it twice)."""
    return requeue(session, bulletin, Retry.UNCERTAIN)


@dataclass(frozen=True)
class Recipient:
    """What a message needs of a subscriber: plain values that no commit expires."""

    id: int
    email: str
    status: SubscriberStatus


@dataclass(frozen=True)
class _Row:
    """A claimed delivery: its Message-ID is committed before the message is handed over."""

    delivery_id: int
    attempts: int  # counting this one
    message_id: str
    subscriber: Recipient


Outcome = dict[str, Any]  # one row's new values, keyed by column, for a bulk UPDATE by "id"


def _owed(run_started: dt.datetime, backoff: bool = False) -> sa.ColumnElement[bool]:
    """Pending rows, and rows to retry from earlier runs (not this one: no tight retry loop);
    with ``backoff`` (the scheduled send), only those whose wait (``retry_wait``) is over."""
    waited: list[sa.ColumnElement[bool]] = [Delivery.last_attempt_at < run_started]
    if backoff:
        waited.append(
            sa.or_(
                *(
                    sa.and_(
                        Delivery.attempts == tries,
                        Delivery.last_attempt_at <= run_started - retry_wait(tries),
                    )
                    for tries in range(1, MAX_ATTEMPTS)
                )
            )
        )
    return sa.or_(
        Delivery.status == DeliveryStatus.PENDING,
        sa.and_(
            Delivery.status == DeliveryStatus.FAILED_TEMPORARY,
            Delivery.attempts < MAX_ATTEMPTS,
            *waited,
            sa.or_(Delivery.last_error.is_(None), ~Delivery.last_error.like(f"{UNCERTAIN}:%")),
        ),
    )


def _claim(
    session: Session,
    bulletin: Bulletin,
    batch_size: int,
    *,
    run_started: dt.datetime | None = None,
    outcomes: list[Outcome] | None = None,
    domain: str = "localhost",
    backoff: bool = False,
) -> list[_Row]:
    """Claim the next owed rows (``sending``, each with the Message-ID its message will carry)
    and record the ``outcomes`` that came back since the last claim. The caller commits them in
    one commit, BEFORE any message of the batch is handed to SMTP."""
    found = session.execute(
        sa.select(
            Delivery.id, Delivery.attempts, Subscriber.id, Subscriber.email, Subscriber.status
        )
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.bulletin_id == bulletin.id, _owed(run_started or utcnow(), backoff))
        .order_by(Delivery.id)
        .limit(batch_size)
    ).all()
    rows = [
        _Row(delivery_id, attempts + 1, make_msgid(domain=domain)[:255], Recipient(*person))
        for delivery_id, attempts, *person in found
    ]
    # Unsubscribed since the rows were made: they are owed nothing.
    gone = [row.delivery_id for row in rows if row.subscriber.status != SubscriberStatus.CONFIRMED]
    if gone:
        session.execute(sa.delete(Delivery).where(Delivery.id.in_(gone)))
    claimed = [row for row in rows if row.delivery_id not in gone]
    now = utcnow()
    _update_rows(
        session,
        [
            *(outcomes or []),
            *(
                {
                    "id": row.delivery_id,
                    "status": DeliveryStatus.SENDING,
                    "attempts": row.attempts,
                    "last_attempt_at": now,
                    "message_id": row.message_id,
                }
                for row in claimed
            ),
        ],
    )
    session.flush()
    return claimed


def _update_rows(session: Session, outcomes: list[Outcome]) -> None:
    """One executemany per kind of change (rows with the same columns sit together)."""
    if outcomes:
        session.execute(sa.update(Delivery), sorted(outcomes, key=lambda o: sorted(o)))


def send_issue(
    session: Session,
    bulletin: Bulletin,
    config: Mapping[str, Any],
    *,
    commit: Commit,
    batch_size: int = BATCH_SIZE,
    connections: int = CONNECTIONS,
    backoff: bool = False,
    now: dt.datetime | None = None,
) -> SendResult:
    """Send a published issue to every confirmed subscriber who has not had it. Idempotent:
    running it again sends only to those still owed it. Raises LeaseHeld if another process is
    sending this issue now, SendInterrupted if the mail server cannot be reached.

    ``commit`` is the caller's (``session.commit``): the sender calls it after each claim and
    each set of outcomes, so that what may have left is always on record first. ``backoff``
    (the scheduled send) retries a temporary failure only once its wait is over; an editor's
    send or ``bulletins send`` retries every one at once."""
    if bulletin.status != BulletinStatus.PUBLISHED or bulletin.number is None:
        raise BulletinError("Only a published issue can be sent")
    result = SendResult(bulletin_number=bulletin.number)
    bulletin_id = bulletin.id
    # A killed `learnhub bulletins send` leaves its lease behind: on this host it is taken over at
    # once (its process has gone); from another host, when it expires (SEND_LEASE).
    with lease(session, f"bulletin-send:{bulletin_id}", SEND_LEASE):
        bulletin = session.get(Bulletin, bulletin_id) or bulletin
        result.requeued, result.uncertain = recover_interrupted(session, bulletin)
        result.created = create_deliveries(session, bulletin)
        commit()
        courier = _Courier(
            SmtpSettings.from_config(config),
            connections,
            rendering.issue_parts(bulletin, config),
            config,
        )
        try:
            _send_owed(session, bulletin, courier, batch_size, result, commit, backoff, now)
        finally:
            courier.close()
        result.uncertain = _count_uncertain(session, bulletin)
    return result


def _count_uncertain(session: Session, bulletin: Bulletin) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(
                Delivery.bulletin_id == bulletin.id,
                Delivery.status == DeliveryStatus.FAILED_TEMPORARY,
                Delivery.last_error.like(f"{UNCERTAIN}:%"),
            )
        )
        or 0
    )


class _Courier:
    """A few SMTP connections, each reused by one worker thread that builds and hands over one
    message at a time, so the database work for the next batch overlaps the mail server's work
    on this one. Only the calling thread touches the database."""

    def __init__(
        self,
        settings: SmtpSettings,
        size: int,
        parts: rendering.IssueParts,
        config: Mapping[str, Any],
    ) -> None:
        self.settings = settings
        self.size = size
        self.parts = parts
        self.config = dict(config)
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="bulletin-smtp")
        self.local = threading.local()
        self.stacks: list[ExitStack] = []
        self.lock = threading.Lock()

    def submit(self, row: _Row) -> Future[None]:
        return self.pool.submit(self._deliver, row)

    def _deliver(self, row: _Row) -> None:
        try:
            message = rendering.bulletin_message(
                self.settings, self.parts, row.subscriber, self.config, row.message_id
            )
        except Exception as exc:
            raise _NotBuilt(exc) from exc
        connection = getattr(self.local, "connection", None)
        if connection is None:
            stack = ExitStack()
            with self.lock:
                self.stacks.append(stack)
            connection = stack.enter_context(smtp_connection(self.settings))
            self.local.connection = connection
        try:
            hand_over(connection, self.settings.sender, row.subscriber.email, message)
        except CONNECTION_REFUSALS:
            self.local.connection = None  # a fresh connection next time
            raise
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise  # the server answered: the connection is still good
        except BaseException:
            self.local.connection = None  # broken: the next message on this thread reconnects
            raise

    def close(self) -> None:
        # Messages not yet started stay ``sending`` with their Message-IDs: the next run marks
        # them uncertain rather than guess.
        self.pool.shutdown(wait=True, cancel_futures=True)
        for stack in self.stacks:
            with suppress(smtplib.SMTPException, OSError):
                stack.close()


def _send_owed(
    session: Session,
    bulletin: Bulletin,
    courier: _Courier,
    batch_size: int,
    result: SendResult,
    commit: Commit,
    backoff: bool = False,
    now: dt.datetime | None = None,
) -> None:
    """Claim a batch, hand it to the courier, and claim the next when only about one message
    per connection is left, so the connections never wait for the database. Outcomes are
    committed with the next claim, or after a quiet OUTCOME_WAIT if the server is slow."""
    # ``now`` is the scheduler's clock (a test's); no row is retried before its wait is over.
    run_started = max(now or utcnow(), utcnow())
    in_flight: dict[Future[None], _Row] = {}
    outcomes: list[Outcome] = []
    failure: BaseException | None = None
    owed = True
    while True:
        if owed and failure is None and len(in_flight) <= courier.size:
            batch = _claim(
                session,
                bulletin,
                batch_size,
                run_started=run_started,
                outcomes=outcomes,
                domain=sender_domain(courier.settings.sender),
                backoff=backoff,
            )
            commit()  # the claim, before any message of the batch is handed over
            outcomes, owed = [], bool(batch)
            in_flight.update((courier.submit(row), row) for row in batch)
        if not in_flight:
            break
        done, _ = wait(in_flight, timeout=OUTCOME_WAIT, return_when=FIRST_COMPLETED)
        if not done:
            _commit_outcomes(session, outcomes, commit)
            outcomes = []
        for future in done:
            row = in_flight.pop(future)
            outcomes.append(_outcome(row, future.exception(), result))
            if failure is None and _stops_the_send(future.exception()):
                failure = future.exception()
                outcomes += _unclaim_not_started(in_flight)
    _commit_outcomes(session, outcomes, commit)
    if isinstance(failure, _NotBuilt):
        raise failure.cause  # a fault of ours, not the mail server's
    if failure is not None:
        cause = failure.cause if isinstance(failure, ContentMayHaveArrived) else failure
        _wait_for_retry(session, bulletin, smtp_error_text(cause))
        commit()
        raise SendInterrupted(smtp_error_text(cause)) from failure


def _wait_for_retry(session: Session, bulletin: Bulletin, reason: str) -> None:
    """The mail server stopped the send: every row not yet tried waits, with the rows that
    failed, for the scheduled send's next retry (none of them is anyone's refusal)."""
    session.execute(
        sa.update(Delivery)
        .where(Delivery.bulletin_id == bulletin.id, Delivery.status == DeliveryStatus.PENDING)
        .values(
            status=DeliveryStatus.FAILED_TEMPORARY,
            attempts=Delivery.attempts + 1,
            last_attempt_at=utcnow(),
            last_error=f"Not tried: the mail server stopped the send ({reason})"[:2000],
        )
        .execution_options(synchronize_session=False)
    )


def _commit_outcomes(session: Session, outcomes: list[Outcome], commit: Commit) -> None:
    if outcomes:
        _update_rows(session, outcomes)
        commit()


def _stops_the_send(error: BaseException | None) -> bool:
    """Whether this error stops the send (a message that could not be built stops it too)."""
    if isinstance(error, CONNECTION_REFUSALS):
        return True  # the server refused the connection, not this message
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
        return False  # the server answered for this message only
    return isinstance(error, _NotBuilt | ContentMayHaveArrived | smtplib.SMTPException | OSError)


def _unclaim_not_started(in_flight: dict[Future[None], _Row]) -> list[Outcome]:
    """After a connection failed, messages no worker has picked up are taken back: certainly
    never handed over, so pending again for the next run."""
    taken_back = [future for future in in_flight if future.cancel()]
    return [_unclaimed(in_flight.pop(future)) for future in taken_back]


def _unclaimed(row: _Row) -> Outcome:
    return {
        "id": row.delivery_id,
        "status": DeliveryStatus.PENDING,
        "attempts": row.attempts - 1,
        "message_id": None,
    }


def _outcome(row: _Row, error: BaseException | None, result: SendResult) -> Outcome:
    if error is None:
        result.sent += 1
        return {
            "id": row.delivery_id,
            "status": DeliveryStatus.SENT,
            "sent_at": utcnow(),
            "last_error": None,
        }
    if isinstance(error, CONNECTION_REFUSALS):
        return _connection_lost(row, error, result)
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
        return _refused(row, error, result)
    if isinstance(error, _NotBuilt):
        return _unclaimed(row)  # never reached the mail server
    if _stops_the_send(error):
        return _connection_lost(row, error, result)
    raise error


class _NotBuilt(Exception):
    """The message could not be built, so it was never handed over."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _connection_lost(row: _Row, exc: BaseException, result: SendResult) -> Outcome:
    """A connection failed while this message was out: if its content was on its way it is
    uncertain and not resent automatically; if not, it is simply retried next time."""
    cause = exc.cause if isinstance(exc, ContentMayHaveArrived) else exc
    result.errors.append(smtp_error_text(cause))
    if isinstance(exc, ContentMayHaveArrived):
        result.uncertain += 1
        error = (
            f"{UNCERTAIN}: the connection was lost while the message was being handed over "
            f"({smtp_error_text(cause)}); not sent again automatically"
        )
    elif isinstance(cause, CONNECTION_REFUSALS):
        result.failed_temporary += 1
        error = (
            f"The mail server refused the connection ({smtp_error_text(cause)}): not this "
            "address's fault; tried again later"
        )[:2000]
    else:
        result.failed_temporary += 1
        error = smtp_error_text(cause)[:2000]
    return {"id": row.delivery_id, "status": DeliveryStatus.FAILED_TEMPORARY, "last_error": error}


class SendInterrupted(Exception):
    """The mail server could not be reached or dropped the connection; run the send again."""


def _refused(row: _Row, exc: smtplib.SMTPException, result: SendResult) -> Outcome:
    # Only the recipient's own refusal is for good; a refused DATA is retried.
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused) and is_permanent_refusal(exc)
    if permanent:
        result.failed_permanent += 1
    else:
        result.failed_temporary += 1
    return {
        "id": row.delivery_id,
        "status": DeliveryStatus.FAILED_PERMANENT if permanent else DeliveryStatus.FAILED_TEMPORARY,
        "last_error": smtp_error_text(exc)[:2000],
    }


def check_mail_server(config: Mapping[str, Any]) -> None:
    """Open and close a connection to the mail server: raises as a send would if it fails."""
    with smtp_connection(SmtpSettings.from_config(config)) as connection:
        connection.ehlo_or_helo_if_needed()
        connection.noop()


def send_confirmation(subscriber: Subscriber, config: Mapping[str, Any]) -> None:
    """The sign-up link, on its own connection; send it after the commit that made the row."""
    settings = SmtpSettings.from_config(config)
    send_message(settings, rendering.confirmation_message(settings, subscriber, config))


__all__ = [
    "DeliveryState",
    "LeaseHeld",
    "Retry",
    "SendInterrupted",
    "delivery_state",
    "send_confirmation",
    "send_issue",
]
