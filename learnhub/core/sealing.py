"""Sealing small values (AES-256-GCM, from the ``cryptography`` package) under keys derived from
the server's secret with HKDF, for anything that must travel or rest where others can read it:
a receipt in the session cookie on its way to the confirmation page, the first answer to an
API request kept for its retries. A sealed value is unreadable and tamper-evident without the
secret; each purpose has its own key, so one sealed value cannot stand in for another."""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


def derive_key(secret: str, purpose: str, context: bytes = b"") -> bytes:
    """A 256-bit key for one purpose; ``context`` (such as a client's own key) narrows it."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=context or None,
        info=f"learnhub/{purpose}".encode(),
    ).derive(secret.encode())


def seal(key: bytes, plaintext: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def unseal(key: bytes, token: str) -> bytes | None:
    """The plaintext, or None if ``token`` was not sealed under ``key`` or was changed."""
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (ValueError, binascii.Error):
        return None
    if len(raw) <= NONCE_BYTES:
        return None
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
    except InvalidTag:
        return None
