"""Logging set-up. Request logs never carry a client address: LearnHub keeps reporters anonymous,
and a log line with an IP address and a time beside a report route would undo that."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler


class AnonymousRequestHandler(WSGIRequestHandler):
    """The development server's request log without the client's address."""

    def address_string(self) -> str:
        return "-"

    def log(self, type: str, message: str, *args: Any) -> None:
        logging.getLogger("werkzeug").log(
            logging.ERROR if type == "error" else logging.INFO, "%s %s", "-", message % args
        )


def init_app(app: Flask) -> None:
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(level)
    # Alembic announces each plugin at INFO; keep only the lines that say what was migrated.
    for noisy in ("alembic.runtime.plugins", "alembic.autogenerate", "alembic.ddl"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
