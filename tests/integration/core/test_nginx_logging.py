"""The nginx example in docs/logging.md, run for real in front of LearnHub: a reporter's request,
however its path is spelt, gets no access line; a staff request gets one without an address."""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import LiveServer
from tests.integration.core.test_anonymous_logging import REPORTERS_TARGETS, raw_request

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
DOC = Path(__file__).resolve().parents[3] / "docs" / "logging.md"


def documented_configuration() -> tuple[str, str]:
    """The http-level part (before ``server {``) and the server block of the doc's example."""
    block = re.search(r"```nginx\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert block is not None, "docs/logging.md has no nginx example"
    text = block.group(1)
    start = text.index("server {")
    return text[:start], text[start:]


@dataclass
class Nginx:
    url: str
    access_log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def nginx(live_server: LiveServer, tmp_path: Path) -> Iterator[Nginx]:
    http_part, server = documented_configuration()
    port = free_port()
    upstream = urlsplit(live_server.url)
    replacements = {
        "listen 443 ssl;": f"listen 127.0.0.1:{port};",
        "/var/log/nginx/": f"{tmp_path}/",
        "http://127.0.0.1:8000": f"http://127.0.0.1:{upstream.port}",
    }
    for documented, here in replacements.items():
        assert documented in server
        server = server.replace(documented, here)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    configuration = f"""
daemon off;
master_process off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/startup-error.log crit;
events {{}}
http {{
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    access_log off;
{http_part}
{server}
}}
"""
    conf = tmp_path / "nginx.conf"
    conf.write_text(configuration)
    process = subprocess.Popen(  # noqa: S603 - the nginx found on this machine
        [str(NGINX), "-p", str(tmp_path), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            assert time.monotonic() < deadline, "nginx did not listen"
            time.sleep(0.05)
        yield Nginx(f"http://127.0.0.1:{port}", tmp_path / "learnhub.log")
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def test_the_nginx_example_logs_no_reporters_request(nginx: Nginx) -> None:
    statuses = []
    for method, target in REPORTERS_TARGETS:
        body = b'{"narrative": "x"}' if method == "POST" else None
        statuses.append(raw_request(nginx.url, method, target, body)[0])
    assert 200 in statuses  # they reached LearnHub through nginx
    assert raw_request(nginx.url, "GET", "/reports")[0] == 404  # a staff path, not a reporter's
    assert raw_request(nginx.url, "GET", "//healthz")[0] == 200
    deadline = time.monotonic() + 10
    while "healthz" not in (nginx.access_log.read_text() if nginx.access_log.exists() else ""):
        assert time.monotonic() < deadline, "no access line for the staff request"
        time.sleep(0.05)
    lines = nginx.access_log.read_text().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        '"GET /reports" 404 ' + lines[0].rsplit(" ", 1)[1],
        '"GET /healthz" 200 ' + lines[1].rsplit(" ", 1)[1],
    ]
    assert not any("127.0.0.1 " in line or "198.51.100" in line for line in lines)
