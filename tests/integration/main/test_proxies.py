"""LEARNHUB_TRUSTED_PROXIES: behind a proxy, rate limits count each client, not the proxy."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient

from learnhub import create_app
from learnhub.core.extensions import db
from learnhub.setup import initialise
from tests.conftest import app_settings


def post_reports(client: FlaskClient, forwarded_for: str, times: int) -> list[int]:
    body = {"narrative": "x", "event_type": "near_miss", "event_month": "2026-09"}
    return [
        client.post(
            "/api/v1/reports", json=body, headers={"X-Forwarded-For": forwarded_for}
        ).status_code
        for _ in range(times)
    ]


@contextmanager
def migrated_client(database_url: str, **settings: object) -> Iterator[FlaskClient]:
    # Its own fresh database: these reports are committed, not rolled back.
    app = create_app(app_settings(database_url, REPORT_SUBMISSION_LIMIT="2/hour", **settings))
    with app.app_context():
        initialise()
        db.session.remove()
    try:
        yield app.test_client()
    finally:
        with app.app_context():
            db.engine.dispose()  # close every connection before the database is dropped


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(fresh_database: str) -> None:
    with migrated_client(fresh_database, TRUSTED_PROXIES=1) as client:
        assert post_reports(client, "198.51.100.1", 3) == [201, 201, 429]
        assert post_reports(client, "198.51.100.2", 1) == [201]


def test_without_trusted_proxies_the_header_is_not_believed(fresh_database: str) -> None:
    with migrated_client(fresh_database) as client:
        assert post_reports(client, "198.51.100.3", 2) == [201, 201]
        assert post_reports(client, "198.51.100.4", 1) == [429]  # same address: the limit holds
