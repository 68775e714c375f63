"""The audit trail's MAC keys: held outside the database, so someone who can only write to the
database cannot re-seal an edited trail. See docs/audit-trail.md."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app

from learnhub.core.config import load_config_module

logger = logging.getLogger("learnhub.audit")

KEY_FILE_NAME = "audit.key"
# A fixed label: the key's id is a MAC of it, so it names the key without revealing it.
_KEY_ID_LABEL = b"learnhub audit key id"


def key_id(key: bytes) -> str:
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRing:
    """The key new entries are sealed with, and every key (by id) old entries may carry."""

    current: bytes
    current_id: str
    known: dict[str, bytes]


@lru_cache(maxsize=8)
def key_ring(current: str, previous: str = "") -> KeyRing:
    """Build the ring from the settings' strings; ``previous`` is comma-separated."""
    current_bytes = current.encode()
    known = {key_id(k.encode()): k.encode() for k in previous.split(",") if k.strip()}
    known[key_id(current_bytes)] = current_bytes
    return KeyRing(current_bytes, key_id(current_bytes), known)


def current_key_ring() -> KeyRing:
    config = current_app.config
    return key_ring(config["AUDIT_KEY"], config.get("AUDIT_PREVIOUS_KEYS") or "")


def load_or_create_key_file(path: Path) -> str:
    """The development key: read from ``path``, or made there (mode 0600) on first start.
    The file appears whole or not at all (written aside, then linked into place), so processes
    starting at once all read the one key."""
    if not path.exists():
        key = secrets.token_hex(32)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
        try:
            with os.fdopen(descriptor, "w") as handle:  # mkstemp makes it 0600
                handle.write(key + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temporary, path)
            logger.info("generated a development audit key in %s", path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(temporary)
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("%s can be read by other users: chmod 600 it", path)
    key = path.read_text().strip()
    if not key:
        raise load_config_module().ConfigError(
            f"{path} is empty: delete it to generate a new audit key"
        )
    return key


def init_app(app: Flask) -> None:
    """Outside production (where config.py requires LEARNHUB_AUDIT_KEY), use or make a key
    file in the instance folder: never the database."""
    if not app.config.get("AUDIT_KEY"):
        app.config["AUDIT_KEY"] = load_or_create_key_file(Path(app.instance_path) / KEY_FILE_NAME)
