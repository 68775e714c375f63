"""Links in emails and the Atom feed point where LearnHub is served: LEARNHUB_BASE_URL when set,
else (in development) the host and port `learnhub run --port` serves on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from learnhub import create_app
from learnhub.core.extensions import db
from learnhub.setup import initialise
from tests.conftest import app_settings
from tests.integration.bulletins.helpers import published_issue

ROOT = Path(__file__).resolve().parents[3]
PORT = 5571  # in this worktree's range


def fetch(url: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our server
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_learnhub_run_on_another_port_links_to_that_port(
    fresh_database: str, tmp_path: Path
) -> None:
    app = create_app(app_settings(fresh_database))
    with app.app_context():
        initialise()
        published_issue()
        db.session.remove()
        db.engine.dispose()  # no connection left for the garbage collector to find open
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNHUB_")}
    env.update(
        LEARNHUB_ENV="development",
        LEARNHUB_DATABASE_URL=fresh_database,
        LEARNHUB_AUDIT_ANCHOR_FILE=str(tmp_path / "anchor"),
        PYTHONPATH=str(ROOT),
    )
    server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "learnhub", "run", "--port", str(PORT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        feed = fetch(f"http://127.0.0.1:{PORT}/bulletins/feed.atom")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert f'href="http://127.0.0.1:{PORT}/bulletins/1"' in feed
    assert f'href="http://127.0.0.1:{PORT}/bulletins/feed.atom"' in feed
    assert "127.0.0.1:5000" not in feed


def test_a_set_base_url_is_used_in_every_link(fresh_database: str) -> None:
    from learnhub.bulletins import rendering
    from learnhub.bulletins.models import Subscriber
    from learnhub.core.email import SmtpSettings

    app = create_app(app_settings(fresh_database, BASE_URL="https://learnhub.example.org/"))
    with app.app_context():
        initialise()
        bulletin = published_issue()
        parts = rendering.issue_parts(bulletin, app.config)
        settings = SmtpSettings.from_config(app.config)
        reader = Subscriber(id=7, email="reader@example.org")
        message = rendering.bulletin_message(settings, parts, reader, app.config)
        html = message.get_payload()[1].get_payload(decode=True).decode()
        feed = app.test_client().get("/bulletins/feed.atom").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()  # no connection left for the garbage collector to find open
    assert "https://learnhub.example.org/bulletins/1" in html
    assert "https://learnhub.example.org/bulletins/unsubscribe/" in html
    assert 'href="https://learnhub.example.org/bulletins/1"' in feed
    assert "127.0.0.1" not in html
