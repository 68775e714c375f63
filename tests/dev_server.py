"""The development server (``learnhub run``'s request handler) serving an app on a free port, in a
thread, for tests that read what it logs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from learnhub.core.logging import AnonymousRequestHandler


@contextmanager
def development_server(app: Flask) -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=AnonymousRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
