"""Subscribers: sign-up with double opt-in, unsubscribing, and importing a staff list."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from learnhub.bulletins.models import Subscriber, SubscriberSource, SubscriberStatus
from learnhub.core.time import utcnow


class InvalidAddress(ValueError):
    pass


def normalise(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from exc


def find(session: Session, email: str) -> Subscriber | None:
    return session.scalar(sa.select(Subscriber).where(Subscriber.email == email))


def sign_up(session: Session, email: str) -> Subscriber | None:
    """Record a sign-up; returns the subscriber to send a confirmation to, or None when there is
    nothing to send (already confirmed). The page says the same thing either way."""
    address = normalise(email)
    subscriber = find(session, address)
    if subscriber is None:
        subscriber = Subscriber(
            email=address, status=SubscriberStatus.PENDING, source=SubscriberSource.SIGNUP
        )
        session.add(subscriber)
        session.flush()
        return subscriber
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return None
    # Pending, or unsubscribed and asking again: they confirm through the link before anything.
    return subscriber


def confirm(subscriber: Subscriber) -> None:
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = utcnow()
    subscriber.unsubscribed_at = None


def unsubscribe(subscriber: Subscriber) -> bool:
    """True when this changed anything (unsubscribing twice is harmless)."""
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        return False
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = utcnow()
    return True


@dataclass
class ImportResult:
    added: int = 0
    confirmed: int = 0  # were pending sign-ups; the organisation's list confirms them
    already: int = 0
    kept_unsubscribed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.confirmed} confirmed, {self.already} already subscribed, "
            f"{self.kept_unsubscribed} left unsubscribed as they asked, "
            f"{len(self.errors)} lines not understood"
        )


def addresses_in(text: str) -> list[tuple[int, str]]:
    """(line number, address) from one-address-a-line text or a CSV whose header names an
    ``email`` column; blank lines and lines starting with # are skipped."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    header = [cell.strip().lower() for cell in next(csv.reader([first]))] if first else []
    if "email" in header:
        column = header.index("email")
        found = []
        reader = csv.reader(io.StringIO(text))
        for number, row in enumerate(reader, start=1):
            if number == 1 and [c.strip().lower() for c in row] == header:
                continue
            if not any(cell.strip() for cell in row):
                continue
            found.append((reader.line_num, row[column].strip() if len(row) > column else ""))
        return found
    return [
        (number, line.strip())
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def import_list(session: Session, text: str) -> ImportResult:
    """Import an organisation's staff list as confirmed subscribers (the organisation has the
    basis to write to its own staff). Re-importing adds no one twice; someone who unsubscribed
    stays unsubscribed. Nothing is saved if the caller does not commit."""
    result = ImportResult()
    seen: set[str] = set()
    for number, raw in addresses_in(text):
        try:
            address = normalise(raw)
        except InvalidAddress:
            result.errors.append(f"Line {number}: {raw!r} is not an email address")
            continue
        if address in seen:
            result.already += 1
            continue
        seen.add(address)
        subscriber = find(session, address)
        if subscriber is None:
            session.add(
                Subscriber(
                    email=address,
                    status=SubscriberStatus.CONFIRMED,
                    source=SubscriberSource.IMPORT,
                    confirmed_at=utcnow(),
                )
            )
            result.added += 1
        elif subscriber.status == SubscriberStatus.UNSUBSCRIBED:
            result.kept_unsubscribed += 1
        elif subscriber.status == SubscriberStatus.PENDING:
            confirm(subscriber)
            result.confirmed += 1
        else:
            result.already += 1
    session.flush()
    return result


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(Subscriber.status, sa.func.count()).group_by(Subscriber.status)
    ).all()
    found = {status.value: 0 for status in SubscriberStatus}
    found.update({SubscriberStatus(status).value: int(n) for status, n in rows})
    return found
