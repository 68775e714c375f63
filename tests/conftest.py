"""Fixtures: one migrated database per run, each test inside a transaction that is rolled back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.serving import make_server

from learnhub import create_app
from learnhub.auth.throttle import LoginThrottle
from learnhub.core.extensions import db
from learnhub.core.logging import AnonymousRequestHandler
from learnhub.setup import initialise
from tests.databases import throwaway_database
from tests.factories import ManualClock
from tests.smtp import SmtpSink, running_smtp_sink


class RequestScopedClient(FlaskClient):
    """Gives every request its own app context, as a real server does, so nothing cached on
    ``g`` or in the database session leaks from one request to the next."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def app_settings(database_url: str, **overrides: Any) -> dict[str, Any]:
    return {"ENV": "testing", "DATABASE_URL": database_url, **overrides}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@contextmanager
def migrated_app(database_url: str, **overrides: Any) -> Iterator[Flask]:
    """An app on ``database_url`` with the schema and reference data in place; its commits are
    real (the ``app`` fixture adds the rolled-back transaction)."""
    app = create_app(app_settings(database_url, **overrides))
    with app.app_context():
        initialise()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def _migrated_app(database_url: str) -> Iterator[Flask]:
    with migrated_app(database_url) as app:
        yield app


@pytest.fixture
def app(_migrated_app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The app, with every database change in this test rolled back afterwards.

    Views commit as they would in production; here a commit releases a SAVEPOINT inside one
    outer transaction that the fixture rolls back.
    """
    app = _migrated_app
    app.test_client_class = RequestScopedClient
    app.extensions["learnhub_login_throttle"].reset()
    app.extensions["learnhub_anonymous_limiter"].reset()
    # What a previous test's rolled-back rows put in the reference cache is gone with them.
    app.extensions["learnhub_reference_cache"].clear()
    # Audit anchors name entries this test's rollback removes: each test has its own file.
    app.config["AUDIT_ANCHOR_FILE"] = str(tmp_path / "audit-anchor")
    audit_keys = app.config["AUDIT_KEY"], app.config["AUDIT_PREVIOUS_KEYS"]
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session = db.session
        db.session = scoped_session(
            sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                # Objects a test made stay readable after a request closes the session.
                expire_on_commit=False,
            )
        )
        try:
            yield app
        finally:
            app.config["AUDIT_KEY"], app.config["AUDIT_PREVIOUS_KEYS"] = audit_keys
            db.session.remove()
            db.session = original_session
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the kind this run uses, for tests of migrations and set-up."""
    with throwaway_database(tmp_path) as url:
        yield url


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with throwaway_database(tmp_path_factory.mktemp("live")) as database_url:
        # A real server, so SQLite transactions take the write lock up front as in the demo.
        app = create_app(app_settings(database_url, SQLITE_BEGIN_IMMEDIATE=True))
        with app.app_context():
            initialise()
            db.session.remove()
        server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=AnonymousRequestHandler
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveServer(url=f"http://127.0.0.1:{server.port}", app=app)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def smtp_sink(app: Flask) -> Iterator[SmtpSink]:
    """A real SMTP server in this process; the app's mail settings point at it for the test."""
    with running_smtp_sink() as sink:
        saved = {name: app.config[name] for name in sink.settings()}
        app.config.update(sink.settings())
        try:
            yield sink
        finally:
            app.config.update(saved)


@pytest.fixture
def sign_in_clock(app: Flask) -> Iterator[ManualClock]:
    """The throttle's clock, moved by the test: waits pass without the test sleeping."""
    throttle: LoginThrottle = app.extensions["learnhub_login_throttle"]
    manual = ManualClock(time.time())
    saved, throttle.clock = throttle.clock, manual
    try:
        yield manual
    finally:
        throttle.clock = saved
