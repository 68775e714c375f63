"""Response headers that keep pages from being framed, sniffed or leaking where people came from."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def add_security_headers(app: Flask, response: Response) -> Response:
    """Each header unless the view set its own. The names already there are read once: a
    lookup per header scans them all, on every response."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    wanted = (
        (*SECURITY_HEADERS, HSTS) if app.config["ENV_NAME"] == "production" else SECURITY_HEADERS
    )
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def keep_redirects_on_this_site(response: Response) -> Response:
    """A redirect to the host the request claimed (Werkzeug's trailing-slash 308, any URL built
    with _external) is made relative: the Host header is the client's to choose, so echoing it
    would send people to any site. Redirects to other sites on purpose are left alone."""
    location = response.headers.get("Location")
    if not location or not 300 <= response.status_code < 400:
        return response
    parts = urlsplit(location)
    # The raw header, not request.host: that raises again for a host TRUSTED_HOSTS refused.
    claimed = request.environ.get("HTTP_HOST", "").lower()
    if parts.netloc and parts.netloc.lower() in {claimed, request.environ.get("SERVER_NAME")}:
        # One leading slash only: "//host/path" would be read as another site again.
        path = "/" + parts.path.lstrip("/")
        response.headers["Location"] = urlunsplit(("", "", path, parts.query, parts.fragment))
    return response


def init_app(app: Flask) -> None:
    app.after_request(lambda response: add_security_headers(app, response))
    app.after_request(keep_redirects_on_this_site)
