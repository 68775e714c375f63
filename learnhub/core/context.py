"""Small helpers that read the running app: the service's today, and anonymous rate limits.

They are for views, jobs and commands; services take these values as plain arguments.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import NoReturn

from flask import current_app, request
from werkzeug.exceptions import TooManyRequests

from learnhub.core.time import local_today


def service_today() -> dt.date:
    """Today where the service runs (LEARNHUB_TIMEZONE)."""
    return local_today(current_app.config["TIMEZONE"])


def client_within_limit(limit_setting: str, scope: str, *, count: bool = True) -> bool:
    """Whether this client is within the anonymous limit named by ``limit_setting``;
    ``count`` records this request as a hit, otherwise the limit is only looked at."""
    limiter = current_app.extensions["learnhub_anonymous_limiter"]
    check = limiter.allow if count else limiter.would_allow
    return check(
        current_app.config[limit_setting], scope, request.remote_addr or "-", service_today()
    )


def address_within_limit(limit_setting: str, scope: str, address: str) -> bool:
    """Count one hit against ``limit_setting`` for an email address rather than a client (the
    address is keyed with the day's secret, never stored as it is): False when over it."""
    limiter = current_app.extensions["learnhub_anonymous_limiter"]
    return limiter.allow(current_app.config[limit_setting], scope, address, service_today())


def refuse_over_limit(limit_setting: str, scope: str) -> NoReturn:
    """A 429 that says how long to wait: the Retry-After header, and the page in minutes."""
    limiter = current_app.extensions["learnhub_anonymous_limiter"]
    wait = limiter.wait_seconds(
        current_app.config[limit_setting], scope, request.remote_addr or "-", service_today()
    )
    raise TooManyRequests(retry_after=max(1, math.ceil(wait)))  # type: ignore[arg-type]
