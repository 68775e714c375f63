"""Where the settings come from, for every feature and the app factory alike."""

from __future__ import annotations

from typing import Any


def load_config_module() -> Any:
    """The settings module: bundled in a wheel, or the checkout's top-level config.py."""
    try:
        from learnhub import _config  # type: ignore[attr-defined]
    except ImportError:
        import config as _config
    return _config
