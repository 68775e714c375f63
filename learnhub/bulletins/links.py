"""The bulletin's signed links: unsubscribe (never expires) and confirm a sign-up (a week).

A token carries the subscriber's id and a fingerprint of their address, signed with the app's
secret, so a link works only for the address it was sent to.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol
from urllib.parse import urljoin

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from learnhub.bulletins.models import Subscriber

CONFIRM_MAX_AGE = 7 * 24 * 3600  # a sign-up link works for a week


class Addressee(Protocol):
    """A subscriber row, or the plain values the sender keeps of one."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def unsubscribe_token(secret: str, subscriber: Addressee) -> str:
    """Never expires: an unsubscribe link in an old email must still work."""
    serializer = URLSafeSerializer(secret, salt="bulletins-unsubscribe")
    return serializer.dumps([subscriber.id, _fingerprint(subscriber.email)])


def confirm_token(secret: str, subscriber: Addressee) -> str:
    serializer = URLSafeTimedSerializer(secret, salt="bulletins-confirm")
    return serializer.dumps([subscriber.id, _fingerprint(subscriber.email)])


def unsubscribe_url(base_url: str, secret: str, subscriber: Addressee) -> str:
    return absolute(base_url, f"/bulletins/unsubscribe/{unsubscribe_token(secret, subscriber)}")


def confirm_url(base_url: str, secret: str, subscriber: Addressee) -> str:
    return absolute(base_url, f"/bulletins/subscribe/confirm/{confirm_token(secret, subscriber)}")


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
