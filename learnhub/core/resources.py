"""Where templates and migrations live: beside the package in a checkout, inside it in a wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPOSITORY_DIR = PACKAGE_DIR.parent


def resource_dir(name: str) -> Path:
    """``templates`` or ``migrations``: the wheel's bundled copy if present, else the checkout's."""
    bundled = PACKAGE_DIR / f"_{name}"
    return bundled if bundled.is_dir() else REPOSITORY_DIR / name
