"""Logging set-up. Request logs never carry a client address: LearnHub keeps reporters anonymous,
and a log line with an IP address and a time beside a report route would undo that."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, request
from werkzeug.serving import WSGIRequestHandler

from learnhub.core.anonymity import (
    install_log_record_factory,
    is_anonymous_path,
    mark_anonymous_request,
    unmark,
)


class AnonymousRequestHandler(WSGIRequestHandler):
    """The development server's request log: no client address, and no line at all for the
    reporting and follow-up routes, whose time alone could point at a reporter."""

    def address_string(self) -> str:
        return "-"

    def run_wsgi(self) -> None:
        # Werkzeug logs "Error on request" with a traceback when an exception escapes the app,
        # after Flask has torn the request down: mark the whole exchange, so that line too is
        # stamped with the day only when the path is a reporter's.
        token = mark_anonymous_request(getattr(self, "path", ""))
        try:
            super().run_wsgi()
        finally:
            unmark(token)

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
    app.before_request(mark_request)
    app.teardown_request(unmark_request)


def mark_request() -> None:
    g.learnhub_anonymous_mark = mark_anonymous_request(request.path)


def unmark_request(_exc: BaseException | None) -> None:
    # Restore, rather than clear, so a mark the server made around the request still holds.
    token = g.pop("learnhub_anonymous_mark", None)
    if token is not None:
        unmark(token)
