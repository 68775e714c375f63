"""Helpers for sign-in throttling tests: browsers at given addresses, and what an attempt got."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from learnhub.auth.models import User
from tests.factories import PASSWORD, login, logout

ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.10"  # one address for a whole office (behind a proxy: everyone)


def browser(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def waits(response_text: str) -> int | None:
    found = re.search(r"Wait (\d+) seconds? and try again", response_text)
    return int(found.group(1)) if found else None


def attempt(client: FlaskClient, user: User | str, password: str = PASSWORD) -> str | int | None:
    """ "in" for a sign-in, the seconds to wait when refused, or None for a plain failure."""
    response = login(client, user, password)
    if response.status_code == 302:
        logout(client)
        return "in"
    assert response.status_code == 200
    return waits(response.get_data(as_text=True))
