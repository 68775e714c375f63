"""Logging set-up. Request logs never carry a client address, and nothing is written at the time
about a reporter's request (see ``learnhub.core.anonymous_routes`` for which requests are, and
``learnhub.core.log_summary`` for where their records go instead)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wsgi import get_path_info

from learnhub.core.anonymous_routes import (
    is_anonymous_request,
    mark_serving,
    server_decision,
    unmark,
)
from learnhub.core.log_summary import install_log_record_factory


class AnonymousRequestHandler(WSGIRequestHandler):
    """The development server's request log: no client address, no line at all for a
    reporter's request, and nothing else written while serving one (Werkzeug's own "Error on
    request" included: it is counted in the daily summary)."""

    serving_reporter = False

    def address_string(self) -> str:
        return "-"

    def run_wsgi(self) -> None:
        # Mark the whole exchange, not only the app's part of it: Werkzeug logs an escaped
        # exception after Flask has torn the request down.
        environ = self.make_environ()
        self.serving_reporter = is_anonymous_request(
            self.server.app, environ["REQUEST_METHOD"], get_path_info(environ)
        )
        token = mark_serving(self.serving_reporter)
        try:
            super().run_wsgi()
        finally:
            unmark(token)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.serving_reporter:
            return
        super().log_request(code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        logging.getLogger("werkzeug").log(
            logging.ERROR if type == "error" else logging.INFO, "%s %s", "-", message % args
        )


class MarkAnonymousRequests:
    """WSGI middleware around the app: marks a reporter's request for as long as the app serves
    it, under any WSGI server. The development server and gunicorn decide earlier, with the
    same definition, and their decision stands."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        anonymous = server_decision()
        if anonymous is None:
            anonymous = is_anonymous_request(
                self.app, environ.get("REQUEST_METHOD", "GET"), get_path_info(environ)
            )
        token = mark_serving(anonymous)
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            unmark(token)


def init_app(app: Flask) -> None:
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(level)
    # Alembic announces each plugin at INFO; keep only the lines that say what was migrated.
    for noisy in ("alembic.runtime.plugins", "alembic.autogenerate", "alembic.ddl"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_log_record_factory()
    app.wsgi_app = MarkAnonymousRequests(app.wsgi_app, app)  # type: ignore[method-assign]
