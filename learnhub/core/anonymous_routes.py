"""Which requests are a reporter's: the one definition that the app, the development server and
gunicorn share, and the mark that says "this thread is serving a reporter now".

A route is a reporter's when its view, or its blueprint, is marked with ``anonymous_route``. A
request is a reporter's when it routes to such a view: what the URL map decides, not how the
path was spelt, so ``//report``, ``/%72eport`` and a redirect to ``/report`` all count; a request
that routes nowhere counts when its path (case-folded, slashes merged) lies under one of those
routes, so ``/report/`` and ``/REPORT`` do too.
"""

from __future__ import annotations

import contextvars
import functools
import posixpath
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, RequestRedirect

T = TypeVar("T")

ANONYMOUS_MARK = "learnhub_anonymous_route"
ROUTES_EXTENSION = "learnhub_anonymous_routes"
# Merged slashes then a trailing slash: two routing redirects are the most a real path takes.
MOST_REDIRECTS = 4

# None: no server has said (the app then decides for itself).
_serving_anonymous_request: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "serving_anonymous_request", default=None
)


def anonymous_route(target: T) -> T:
    """Mark a view function, or every view of a blueprint (present and future), as a reporter's:
    no access line, and any log record made while serving it goes to the daily summary."""
    setattr(target, ANONYMOUS_MARK, True)
    return target


def is_anonymous_endpoint(app: Any, endpoint: str) -> bool:
    if getattr(app.view_functions.get(endpoint), ANONYMOUS_MARK, False):
        return True
    blueprint = endpoint
    while "." in blueprint:  # "a.b.view": blueprints "a.b" and "a"
        blueprint = blueprint.rpartition(".")[0]
        if getattr(app.blueprints.get(blueprint), ANONYMOUS_MARK, False):
            return True
    return False


def normalised(path: str) -> str:
    """The path as a reporter's browser or a lenient proxy would treat it: case-folded, with
    repeated slashes merged and dot segments resolved."""
    folded = posixpath.normpath("/" + path.lower())
    return "/" + folded.lstrip("/")


class AnonymousRoutes:
    """The reporter's routes of one app, read from its URL map once."""

    def __init__(self, url_map: Map, endpoints: Iterable[str]) -> None:
        self.url_map = url_map
        self.endpoints = frozenset(endpoints)
        prefixes = set()
        for rule in url_map.iter_rules():
            if rule.endpoint in self.endpoints:
                static = rule.rule.split("<", 1)[0]
                prefixes.add(normalised(static).rstrip("/") or "/")
        self.prefixes = tuple(sorted(prefixes))
        # Matching costs tens of microseconds; the paths a site sees repeat. Bounded, so odd
        # paths only push others out.
        self.is_anonymous = functools.lru_cache(maxsize=4096)(self._is_anonymous)

    @classmethod
    def of(cls, app: Any) -> AnonymousRoutes:
        routes = app.extensions.get(ROUTES_EXTENSION)
        if routes is None:
            endpoints = {
                rule.endpoint
                for rule in app.url_map.iter_rules()
                if is_anonymous_endpoint(app, rule.endpoint)
            }
            routes = app.extensions[ROUTES_EXTENSION] = cls(app.url_map, endpoints)
        return routes

    def routed_endpoint(self, method: str, path: str) -> str | None:
        """The endpoint ``path`` reaches, following the URL map's own redirects; None if none."""
        adapter = self.url_map.bind("localhost")
        for _ in range(MOST_REDIRECTS):
            try:
                endpoint, _ = adapter.match(path, method)
            except RequestRedirect as moved:
                path = unquote(urlsplit(moved.new_url).path)
            except MethodNotAllowed as refused:
                # The path names a route, only not for this method: it is that route's request.
                allowed = sorted(set(refused.valid_methods or ()) - {"OPTIONS"})
                if not allowed:
                    return None
                method = allowed[0]
            except HTTPException:
                return None
            else:
                return str(endpoint)
        return None

    def under_anonymous_route(self, path: str) -> bool:
        path = normalised(path)
        return any(
            path == prefix
            or (path.startswith(prefix) and not path[len(prefix)].isalnum())
            or prefix == "/"
            for prefix in self.prefixes
        )

    def _is_anonymous(self, method: str, path: str) -> bool:
        endpoint = self.routed_endpoint(method, path)
        if endpoint is not None:
            return endpoint in self.endpoints
        return self.under_anonymous_route(path)


def is_anonymous_request(app: Any, method: str, path: str) -> bool:
    """Whether a request for ``path`` (percent-decoded, as PATH_INFO after decoding) is a
    reporter's. Without a Flask app to route by, every request is treated as one."""
    if not hasattr(app, "url_map"):
        return True
    return AnonymousRoutes.of(app).is_anonymous(method.upper(), path)


def decoded_path(raw_target: str) -> str:
    """The routed path of a raw request target (``//%72eport?x=1``), as the WSGI server passes
    it on: the query dropped and percent-escapes decoded."""
    target = raw_target
    if "://" in target.split("?", 1)[0]:  # absolute form: GET http://host/report HTTP/1.1
        target = urlsplit(target).path or "/"
    return unquote(target.split("?", 1)[0].split("#", 1)[0])


def serving_anonymous_request() -> bool:
    return bool(_serving_anonymous_request.get())


def server_decision() -> bool | None:
    """What the server serving this request decided, or None if it did not."""
    return _serving_anonymous_request.get()


def mark_serving(anonymous: bool) -> contextvars.Token[bool | None]:
    """Say whether this thread now serves a reporter; ``unmark`` with the token restores what
    was there before (a server's mark around the app's own)."""
    return _serving_anonymous_request.set(anonymous)


def unmark(token: contextvars.Token[bool | None]) -> None:
    _serving_anonymous_request.reset(token)
