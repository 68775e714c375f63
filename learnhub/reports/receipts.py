"""Receipt codes: 100 random bits in five groups of four easy-to-read characters.

Only a keyed hash of a receipt is stored, so the database alone cannot link a code to a report.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford's base32: no I, L, O or U, so codes read aloud or copied by hand survive.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 5
GROUP_LENGTH = 4
ENTROPY_BITS = GROUPS * GROUP_LENGTH * 5
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def new_receipt() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(chars[i : i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def normalise_receipt(text: str) -> str | None:
    """The canonical form of what someone typed, or None if it cannot be a receipt."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_READ_AS)
    if len(cleaned) != GROUPS * GROUP_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i : i + GROUP_LENGTH] for i in range(0, len(cleaned), GROUP_LENGTH))


def receipt_hash(receipt: str, key: str) -> str:
    return hmac.new(key.encode(), receipt.encode(), hashlib.sha256).hexdigest()


REFERENCE_PREFIX = "LR"


def new_reference() -> str:
    """A staff-facing reference such as ``LR-7K3QX-9M2PA``: 50 random bits, never sequential."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{REFERENCE_PREFIX}-{chars[:5]}-{chars[5:]}"
