"""Logging set-up. Request logs never carry a client address: LearnHub keeps reporters anonymous,
and a log line with an IP address and a time beside a report route would undo that."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request
from werkzeug.serving import WSGIRequestHandler

from learnhub.core.anonymity import (
    install_log_record_factory,
    is_anonymous_path,
    mark_anonymous_request,
)


class AnonymousRequestHandler(WSGIRequestHandler):
    """The development server's request log: no client address, and no line at all for the
    reporting and follow-up routes, whose time alone could point at a reporter."""

    def address_string(self) -> str:
        return "-"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if is_anonymous_path(getattr(self, "path", "")):
            return
        super().log_request(code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        if type != "error" and is_anonymous_path(getattr(self, "path", "")):
            return
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
    install_log_record_factory()
    app.before_request(lambda: mark_anonymous_request(request.path))
    app.teardown_request(lambda _exc: mark_anonymous_request(""))
