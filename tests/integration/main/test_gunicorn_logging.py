"""gunicorn.conf.py: access lines carry no address or user agent, and none at all for the
reporting and follow-up routes."""

import datetime as dt
import logging
import runpy
from pathlib import Path

import pytest

gunicorn_config = pytest.importorskip("gunicorn.config")
CONF = runpy.run_path(str(Path(__file__).resolve().parents[3] / "gunicorn.conf.py"))


@pytest.mark.parametrize(
    ("path", "logged"),
    [("/report", False), ("/followup/thread", False), ("/api/v1/reports", False), ("/", True)],
)
def test_access_log(path: str, logged: bool) -> None:
    config = gunicorn_config.Config()
    config.set("accesslog", "-")
    config.set("access_log_format", CONF["access_log_format"])
    logger = CONF["AnonymousAccessLogger"](config)
    lines: list[str] = []
    catcher = logging.Handler()
    catcher.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.addHandler(catcher)

    class Response:
        status = "200 OK"
        sent = 10
        headers = ()

    class Request:
        headers = [("USER-AGENT", "ProbeAgent/1.0")]

    environ = {
        "PATH_INFO": path,
        "RAW_URI": path,
        "REQUEST_METHOD": "GET",
        "REMOTE_ADDR": "198.51.100.9",
        "HTTP_USER_AGENT": "ProbeAgent/1.0",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    logger.access(Response(), Request(), environ, dt.timedelta(milliseconds=5))
    text = "\n".join(lines)
    assert ("GET " + path in text) is logged
    assert "198.51.100.9" not in text
    assert "ProbeAgent" not in text
