"""The answers between the report form and its check page, so that every page a reporter sees
is the answer to a GET: Back and Change work, and no browser asks to "Confirm Form
Resubmission" (Post/Redirect/Get).

Where they live: sealed (AES-256-GCM) in the shared store (``learnhub.core.shared_store``: this
process's memory, or the Redis every web process shares) under a random name, with a key made
from the server's secret and a random key that only this browser's session cookie holds. The
store (or a snapshot of it) cannot read a draft without the cookie, and the cookie holds no
answers. Nothing goes into the database or any log. A draft is deleted when its report is sent
and otherwise expires on the hour, between one and two hours after it was last saved (the
expiry says the hour, never the minute). The check page still carries the answers in hidden
fields, so Send files them even if the draft has expired meanwhile.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import time

from flask import current_app, session
from werkzeug.datastructures import MultiDict

from learnhub.core.sealing import derive_key, seal, unseal
from learnhub.core.shared_store import SharedStore

SESSION_KEY = "report_draft"
STORE_PREFIX = "report-draft:"
# Five answers of 10,000 characters, each up to three bytes in UTF-8, and the short fields.
# Bigger than that cannot be sent anyway: the form page answers such a POST itself.
MAX_BYTES = 160_000
KEPT_SECONDS = 3600


def _store() -> SharedStore:
    return current_app.extensions["learnhub_shared_store"]  # type: ignore[no-any-return]


def _key(client_key: bytes) -> bytes:
    return derive_key(current_app.config["SECRET_KEY"], "report-draft", client_key)


def _held() -> tuple[str, bytes] | None:
    """This browser's draft name and key, from its session cookie."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or "." not in value:
        return None
    name, _, key = value.partition(".")
    try:
        return name, base64.urlsafe_b64decode(key.encode("ascii"))
    except ValueError:
        return None


def keep(fields: list[tuple[str, str]]) -> bool:
    """Save the answers as posted (name, value pairs; a name may repeat). False, and nothing
    kept, if they are too big to be sent anyway."""
    plain = json.dumps(fields, ensure_ascii=False).encode()
    if len(plain) > MAX_BYTES:
        return False
    held = _held()
    name, client_key = held if held else (secrets.token_urlsafe(16), secrets.token_bytes(32))
    # On the hour, so that the expiry does not tell the minute the answers were saved.
    expires_at = math.ceil((time.time() + KEPT_SECONDS) / 3600) * 3600
    _store().put(STORE_PREFIX + name, {"sealed": seal(_key(client_key), plain)}, expires_at)
    if not held:
        session[SESSION_KEY] = f"{name}.{base64.urlsafe_b64encode(client_key).decode('ascii')}"
    return True


def load() -> MultiDict[str, str] | None:
    """The answers this browser saved last, or None (none saved, expired, or unreadable)."""
    held = _held()
    if held is None:
        return None
    name, client_key = held
    record = _store().get(STORE_PREFIX + name)
    sealed = record.get("sealed") if record else None
    plain = unseal(_key(client_key), sealed) if isinstance(sealed, str) else None
    if plain is None:
        return None
    try:
        return MultiDict([(str(k), str(v)) for k, v in json.loads(plain)])
    except (ValueError, TypeError):
        return None


def forget() -> None:
    """Delete this browser's draft: its report has been sent."""
    held = _held()
    if held is not None:
        _store().delete(STORE_PREFIX + held[0])
        session.pop(SESSION_KEY, None)
