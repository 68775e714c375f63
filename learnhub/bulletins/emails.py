"""Bulletin email: the two-part message with one-click unsubscribe, signed links, and the sender
that keeps one delivery row per recipient so that a crash or restart sends no one the issue twice.

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
5. A 5xx refusal is ``failed_permanent`` (shown to the editor); a 4xx or a lost connection
   before the content was sent is ``failed_temporary`` and retried on the next run, up to
   MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import smtplib
import socket
import threading
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from learnhub.bulletins.models import (
    Bulletin,
    BulletinStatus,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
)
from learnhub.bulletins.services import BulletinError, issue_body
from learnhub.core.email import SmtpSettings, build_message, smtp_connection
from learnhub.core.jobs import LeaseHeld, lease
from learnhub.core.models import JobLock
from learnhub.core.text import header_value
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
MAX_ATTEMPTS = 5
UNCERTAIN = "UNCERTAIN"
# SMTP wants CRLF line ends; headers are left unfolded (all are far below the 998 limit).
SMTP_LINES = compat32.clone(linesep="\r\n", max_line_length=0)
CONFIRM_MAX_AGE = 7 * 24 * 3600  # a sign-up link works for a week
SEND_LEASE = dt.timedelta(hours=1)


# ---- signed links -------------------------------------------------------------------------


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def unsubscribe_token(secret: str, subscriber: Subscriber | Recipient) -> str:
    """Never expires: an unsubscribe link in an old email must still work."""
    serializer = URLSafeSerializer(secret, salt="bulletins-unsubscribe")
    return serializer.dumps([subscriber.id, _fingerprint(subscriber.email)])


def confirm_token(secret: str, subscriber: Subscriber) -> str:
    serializer = URLSafeTimedSerializer(secret, salt="bulletins-confirm")
    return serializer.dumps([subscriber.id, _fingerprint(subscriber.email)])


def _subscriber_from(session: Session, payload: Any) -> Subscriber | None:
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return None
    subscriber = session.get(Subscriber, payload[0])
    if subscriber is None or _fingerprint(subscriber.email) != payload[1]:
        return None
    return subscriber


def subscriber_for_unsubscribe(session: Session, secret: str, token: str) -> Subscriber | None:
    try:
        payload = URLSafeSerializer(secret, salt="bulletins-unsubscribe").loads(token)
    except BadSignature:
        return None
    return _subscriber_from(session, payload)


def subscriber_for_confirm(session: Session, secret: str, token: str) -> Subscriber | None:
    try:
        payload = URLSafeTimedSerializer(secret, salt="bulletins-confirm").loads(
            token, max_age=CONFIRM_MAX_AGE
        )
    except (BadSignature, SignatureExpired):
        return None
    return _subscriber_from(session, payload)


def absolute(base_url: str, path: str) -> str:
    return urljoin(base_url.rstrip("/") + "/", path.lstrip("/"))


# ---- messages -----------------------------------------------------------------------------


# Stands for each person's unsubscribe link while the issue is rendered once for a whole send.
UNSUBSCRIBE_PLACEHOLDER = "@@unsubscribe-url@@"


@dataclass(frozen=True)
class IssueParts:
    """The issue rendered once for a whole send; only the unsubscribe link differs per person."""

    subject: str
    text: str  # the whole plain-text part, with UNSUBSCRIBE_PLACEHOLDER
    html: str  # the whole HTML document, with UNSUBSCRIBE_PLACEHOLDER
    list_id: str
    mailto: str


def issue_parts(bulletin: Bulletin, config: Mapping[str, Any]) -> IssueParts:
    html_body, text_body = issue_body(bulletin)
    number = bulletin.number
    page_url = absolute(config["BASE_URL"], f"/bulletins/{number}" if number else "/bulletins")
    subject = f"{bulletin.title} (issue {number})" if number else f"{bulletin.title} (preview)"
    env = current_app.jinja_env
    context = {
        "bulletin": bulletin,
        "subject": subject,
        "body_html": html_body,
        "body_text": text_body,
        "page_url": page_url,
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "organisation": config["ORGANISATION_NAME"],
    }
    sender = config["MAIL_FROM"]
    return IssueParts(
        subject=subject,
        text=env.get_template("email/bulletin.txt").render(**context),
        html=env.get_template("email/bulletin.html").render(**context),
        list_id=f"LearnHub bulletin <bulletin.{_domain(sender)}>",
        mailto=_mailto(sender),
    )


@dataclass(frozen=True)
class Personalised:
    text: str
    html: str
    headers: dict[str, str]


def personalise(
    parts: IssueParts, subscriber: Subscriber, secret: str, base_url: str
) -> Personalised:
    url = absolute(base_url, f"/bulletins/unsubscribe/{unsubscribe_token(secret, subscriber)}")
    # The token is URL-safe base64 and dots: nothing in it needs escaping in HTML.
    return Personalised(
        text=parts.text.replace(UNSUBSCRIBE_PLACEHOLDER, url),
        html=parts.html.replace(UNSUBSCRIBE_PLACEHOLDER, url),
        headers={
            "List-Unsubscribe": f"<{url}>, <{parts.mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": parts.list_id,
        },
    )


def bulletin_message(
    settings: SmtpSettings,
    parts: IssueParts,
    subscriber: Subscriber | Recipient,
    config: Mapping[str, Any],
    message_id: str | None = None,
) -> Message:
    """The two-part message for one subscriber. Built with the standard library's compat32 MIME
    classes, about four times faster than the modern EmailMessage API, which matters at 10,000."""
    content = personalise(parts, subscriber, config["SECRET_KEY"], config["BASE_URL"])
    message = MIMEMultipart("alternative")
    # Every header value is one clean line: a newline in a stored title once stopped every
    # send run (and could have started a header of its own).
    message["From"] = header_value(settings.sender)
    message["To"] = header_value(subscriber.email)
    subject = header_value(parts.subject)
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain=_domain(settings.sender))
    for name, value in content.headers.items():
        message[name] = header_value(value)
    message.attach(MIMEText(content.text, "plain", "utf-8"))
    message.attach(MIMEText(content.html, "html", "utf-8"))
    return message


def _domain(sender: str) -> str:
    return header_value(sender).rsplit("<", 1)[-1].rstrip(">").rpartition("@")[2] or "localhost"


def _mailto(sender: str) -> str:
    address = header_value(sender).rsplit("<", 1)[-1].rstrip(">")
    return f"mailto:{address}?subject=unsubscribe"


def confirmation_message(
    settings: SmtpSettings, subscriber: Subscriber, config: Mapping[str, Any]
) -> EmailMessage:
    env = current_app.jinja_env
    url = absolute(
        config["BASE_URL"],
        f"/bulletins/subscribe/confirm/{confirm_token(config['SECRET_KEY'], subscriber)}",
    )
    context = {"confirm_url": url, "organisation": config["ORGANISATION_NAME"]}
    return build_message(
        settings,
        subscriber.email,
        "Confirm your subscription to the learning bulletin",
        env.get_template("email/subscribe_confirm.txt").render(**context),
        env.get_template("email/subscribe_confirm.html").render(**context),
    )


# ---- sending ------------------------------------------------------------------------------


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
        text = (
            f"Issue {self.bulletin_number}: {self.sent} sent, {self.failed_permanent} refused, "
            f"{self.failed_temporary} to retry"
        )
        if self.uncertain:
            text += f", {self.uncertain} uncertain after an interrupted send (not resent)"
        return text


def create_deliveries(session: Session, bulletin: Bulletin) -> int:
    """One pending row for each confirmed subscriber who has none for this issue; committed."""
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
    session.commit()
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
    session.commit()
    return requeued, uncertain


def resend_uncertain(session: Session, bulletin: Bulletin) -> int:
    """The editor's decision: send the uncertain ones again (they may get it twice)."""
    result = session.execute(
        sa.update(Delivery)
        .where(
            Delivery.bulletin_id == bulletin.id,
            Delivery.status == DeliveryStatus.FAILED_TEMPORARY,
            Delivery.last_error.like(f"{UNCERTAIN}:%"),
        )
        .values(status=DeliveryStatus.PENDING, last_error=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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


def _owed(run_started: dt.datetime) -> sa.ColumnElement[bool]:
    """Pending rows, and rows to retry from earlier runs (not this one: no tight retry loop)."""
    return sa.or_(
        Delivery.status == DeliveryStatus.PENDING,
        sa.and_(
            Delivery.status == DeliveryStatus.FAILED_TEMPORARY,
            Delivery.attempts < MAX_ATTEMPTS,
            Delivery.last_attempt_at < run_started,
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
) -> list[_Row]:
    """Claim the next owed rows (``sending``, each with the Message-ID its message will carry)
    and record the ``outcomes`` that came back since the last claim: one commit, made BEFORE
    any message of the batch is handed to SMTP."""
    found = session.execute(
        sa.select(
            Delivery.id, Delivery.attempts, Subscriber.id, Subscriber.email, Subscriber.status
        )
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.bulletin_id == bulletin.id, _owed(run_started or utcnow()))
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
    session.commit()
    return claimed


def _update_rows(session: Session, outcomes: list[Outcome]) -> None:
    """One executemany per kind of change (rows with the same columns sit together)."""
    if outcomes:
        session.execute(sa.update(Delivery), sorted(outcomes, key=lambda o: sorted(o)))


def _is_permanent(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {message.decode(errors='replace')}"
            for code, message in exc.recipients.values()
        )
    code = getattr(exc, "smtp_code", None)
    detail = getattr(exc, "smtp_error", b"")
    if isinstance(detail, bytes):
        detail = detail.decode(errors="replace")
    if code:
        return f"{code} {detail}".strip()
    return f"{type(exc).__name__}: {exc}"


def send_issue(
    session: Session,
    bulletin: Bulletin,
    config: Mapping[str, Any],
    *,
    batch_size: int = BATCH_SIZE,
    connections: int = CONNECTIONS,
) -> SendResult:
    """Send a published issue to every confirmed subscriber who has not had it. Idempotent:
    running it again sends only to those still owed it. Raises LeaseHeld if another process is
    sending this issue now, SendInterrupted if the mail server cannot be reached."""
    if bulletin.status != BulletinStatus.PUBLISHED or bulletin.number is None:
        raise BulletinError("Only a published issue can be sent")
    result = SendResult(bulletin_number=bulletin.number)
    bulletin_id = bulletin.id
    with _send_lease(session, bulletin_id):
        bulletin = session.get(Bulletin, bulletin_id) or bulletin
        result.requeued, result.uncertain = recover_interrupted(session, bulletin)
        result.created = create_deliveries(session, bulletin)
        courier = _Courier(
            SmtpSettings.from_config(config), connections, issue_parts(bulletin, config), config
        )
        try:
            _send_owed(session, bulletin, courier, batch_size, result)
        finally:
            courier.close()
        result.uncertain = _count_uncertain(session, bulletin)
    return result


def send_unfinished(session: Session, bulletin: Bulletin) -> bool:
    """True when a send of this issue began and some rows are still owed a try."""
    owed = session.scalar(
        sa.select(sa.func.count()).where(
            Delivery.bulletin_id == bulletin.id,
            sa.or_(
                Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                sa.and_(
                    Delivery.status == DeliveryStatus.FAILED_TEMPORARY,
                    Delivery.attempts < MAX_ATTEMPTS,
                    ~Delivery.last_error.like(f"{UNCERTAIN}:%"),
                ),
            ),
        )
    )
    return bool(owed)


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
        self, settings: SmtpSettings, size: int, parts: IssueParts, config: Mapping[str, Any]
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
            message = bulletin_message(
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
            _hand_over(connection, self.settings, row.subscriber.email, message)
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
    session: Session, bulletin: Bulletin, courier: _Courier, batch_size: int, result: SendResult
) -> None:
    """Claim a batch, hand it to the courier, and claim the next when only about one message
    per connection is left, so the connections never wait for the database. Outcomes are
    committed with the next claim, or after a quiet OUTCOME_WAIT if the server is slow."""
    run_started = utcnow()
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
                domain=_domain(courier.settings.sender),
            )
            outcomes, owed = [], bool(batch)
            in_flight.update((courier.submit(row), row) for row in batch)
        if not in_flight:
            break
        done, _ = wait(in_flight, timeout=OUTCOME_WAIT, return_when=FIRST_COMPLETED)
        if not done:
            _commit_outcomes(session, outcomes)
            outcomes = []
        for future in done:
            row = in_flight.pop(future)
            outcomes.append(_outcome(row, future.exception(), result))
            if failure is None and _stops_the_send(future.exception()):
                failure = future.exception()
                outcomes += _unclaim_not_started(in_flight)
    _commit_outcomes(session, outcomes)
    if isinstance(failure, _NotBuilt):
        raise failure.cause  # a fault of ours, not the mail server's
    if failure is not None:
        cause = failure.cause if isinstance(failure, _DataStage) else failure
        raise SendInterrupted(_error_text(cause)) from failure


def _commit_outcomes(session: Session, outcomes: list[Outcome]) -> None:
    if outcomes:
        _update_rows(session, outcomes)
        session.commit()


def _stops_the_send(error: BaseException | None) -> bool:
    """Whether this error stops the send (a message that could not be built stops it too)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
        return False  # the server answered for this message only
    return isinstance(error, _NotBuilt | _DataStage | smtplib.SMTPException | OSError)


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


class _DataStage(Exception):
    """The connection failed while the message's content was on its way: it may have arrived."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _hand_over(connection: smtplib.SMTP, settings: SmtpSettings, to: str, message: Message) -> None:
    """MAIL, RCPT, DATA, as smtplib's sendmail does, but knowing when the content left: a failure
    before DATA means the message certainly did not arrive."""
    connection.ehlo_or_helo_if_needed()
    sender = settings.sender.rsplit("<", 1)[-1].rstrip(">")
    code, response = connection.mail(sender)
    if code != 250:
        connection.rset()
        raise smtplib.SMTPSenderRefused(code, response, sender)
    code, response = connection.rcpt(to)
    if code not in (250, 251):
        connection.rset()
        raise smtplib.SMTPRecipientsRefused({to: (code, response)})
    try:
        code, response = connection.data(message.as_bytes(policy=SMTP_LINES))
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise _DataStage(exc) from exc
    if code != 250:
        connection.rset()
        raise smtplib.SMTPDataError(code, response)


def _connection_lost(row: _Row, exc: BaseException, result: SendResult) -> Outcome:
    """A connection failed while this message was out: if its content was on its way it is
    uncertain and not resent automatically; if not, it is simply retried next time."""
    cause = exc.cause if isinstance(exc, _DataStage) else exc
    result.errors.append(_error_text(cause))
    if isinstance(exc, _DataStage):
        result.uncertain += 1
        error = (
            f"{UNCERTAIN}: the connection was lost while the message was being handed over "
            f"({_error_text(cause)}); not sent again automatically"
        )
    else:
        result.failed_temporary += 1
        error = _error_text(cause)[:2000]
    return {"id": row.delivery_id, "status": DeliveryStatus.FAILED_TEMPORARY, "last_error": error}


class SendInterrupted(Exception):
    """The mail server could not be reached or dropped the connection; run the send again."""


def _refused(row: _Row, exc: smtplib.SMTPException, result: SendResult) -> Outcome:
    permanent = _is_permanent(exc)
    if permanent:
        result.failed_permanent += 1
    else:
        result.failed_temporary += 1
    return {
        "id": row.delivery_id,
        "status": DeliveryStatus.FAILED_PERMANENT if permanent else DeliveryStatus.FAILED_TEMPORARY,
        "last_error": _error_text(exc)[:2000],
    }


class _send_lease:  # noqa: N801 - used as a context manager
    """This issue's send lease. A holder on this host whose process has died is replaced at
    once (a killed `learnhub bulletins send` leaves its lease behind); from another host, the
    lease is taken over when it expires (SEND_LEASE)."""

    def __init__(self, session: Session, bulletin_id: int) -> None:
        self.session = session
        self.name = f"bulletin-send:{bulletin_id}"
        self._lease: Any = None

    def __enter__(self) -> str:
        _break_dead_local_holder(self.session, self.name)
        self._lease = lease(self.session, self.name, SEND_LEASE)
        return self._lease.__enter__()  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self._lease.__exit__(*exc)


def _break_dead_local_holder(session: Session, name: str) -> None:
    holder = session.scalar(sa.select(JobLock.holder).where(JobLock.name == name))
    if holder is None:
        return
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        session.execute(sa.delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))
        session.commit()
    except PermissionError:
        return


__all__ = ["LeaseHeld", "SendInterrupted", "send_issue"]
