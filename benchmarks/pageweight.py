"""Page weight of the report form, measured in a real browser.

    python3 -m benchmarks.pageweight [--path /report]

LearnHub runs under gunicorn (production settings, a throwaway SQLite database: the page
weight does not depend on the database). Debian's Chromium (/usr/bin/chromium, driven by
Playwright) opens the page twice in one browser profile: a first visit with an empty cache, then
a repeat visit in a new tab, as a reporter coming back later would.

Bytes are what Chrome's DevTools protocol reports as transferred: ``encodedDataLength`` of
``Network.loadingFinished`` for every request (body as sent, compressed where the server
compressed it, plus response headers). On the repeat visit a request counts as going to the
network unless its response came from the memory or disk cache; a 304 (revalidation) counts.

Targets: first visit under 100 KB transferred; repeat visit: no request for any asset (only the
page itself is fetched).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.results import Row, emit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIRST_VISIT_TARGET = 100 * 1024


@dataclass
class Request:
    url: str
    status: int = 0
    bytes: int = 0
    from_cache: bool = False
    encoding: str = ""


@dataclass
class Visit:
    requests: dict[str, Request] = field(default_factory=dict)

    @property
    def transferred(self) -> int:
        return sum(r.bytes for r in self.requests.values() if not r.from_cache)

    def to_network(self, *, assets_only: bool, page_url: str) -> list[Request]:
        return [
            r
            for r in self.requests.values()
            if not r.from_cache and not (assets_only and r.url == page_url)
        ]


def record(cdp: Any) -> Visit:
    visit = Visit()

    def sent(event: dict[str, Any]) -> None:
        visit.requests.setdefault(event["requestId"], Request(event["request"]["url"]))

    def received(event: dict[str, Any]) -> None:
        request = visit.requests.setdefault(event["requestId"], Request(event["response"]["url"]))
        response = event["response"]
        request.status = response["status"]
        request.from_cache = request.from_cache or bool(
            response.get("fromDiskCache") or response.get("fromMemoryCache")
        )
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        request.encoding = headers.get("content-encoding", "")

    def served_from_cache(event: dict[str, Any]) -> None:
        if event["requestId"] in visit.requests:
            visit.requests[event["requestId"]].from_cache = True

    def finished(event: dict[str, Any]) -> None:
        if event["requestId"] in visit.requests:
            visit.requests[event["requestId"]].bytes = int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.requestServedFromCache", served_from_cache)
    cdp.on("Network.loadingFinished", finished)
    return visit


def visit(context: Any, url: str) -> Visit:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    listener = record(cdp)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)  # late loadingFinished events
    cdp.detach()
    page.close()
    return listener


def measure(url: str) -> tuple[Visit, Visit]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            first = visit(context, url)
            # A new tab in the same profile: only the HTTP cache can help, not the old page's.
            repeat = visit(context, url)
            context.close()
        finally:
            browser.close()
    return first, repeat


def print_visit(title: str, result: Visit) -> None:
    kilobytes = result.transferred / 1024
    print(f"\n{title}: {len(result.requests)} requests, {kilobytes:.1f} KB over the network")
    print(f"  {'status':>6} {'bytes':>8} {'encoding':>8} {'cache':>6}  url")
    for r in result.requests.values():
        cache = "yes" if r.from_cache else ""
        print(f"  {r.status:>6} {r.bytes:>8} {r.encoding:>8} {cache:>6}  {r.url}")


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/report")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium): page weight not measured")
        return [Row("first visit", "not measured", "", "< 100 KB", None)]
    with tempfile.TemporaryDirectory() as directory:
        environment = servers.learnhub_environment(f"sqlite:///{directory}/pageweight.db")
        servers.run_learnhub_init(environment)
        with servers.gunicorn("wsgi:app", environment, workers=1, threads=4) as base:
            first, repeat = measure(base + args.path)
    page_url = f"{base}{args.path}"
    print_visit("First visit (empty cache)", first)
    print_visit("Repeat visit (same browser profile, new tab)", repeat)
    asset_requests = repeat.to_network(assets_only=True, page_url=page_url)
    revalidations = [r for r in repeat.requests.values() if r.status == 304]
    assets = [r for r in first.requests.values() if r.url != page_url]
    uncompressed = [
        r.url
        for r in assets
        if not r.encoding and r.bytes > 1024 and not r.url.endswith((".png", ".jpg", ".woff2"))
    ]
    print(
        f"\nRepeat visit: {len(asset_requests)} asset requests to the network, "
        f"{len(revalidations)} revalidations (304)"
    )
    return [
        Row(
            "first visit transferred",
            round(first.transferred / 1024, 1),
            "KB",
            "< 100 KB",
            first.transferred < FIRST_VISIT_TARGET,
        ),
        Row("first visit requests", len(first.requests), ""),
        Row("assets sent uncompressed (> 1 KB)", len(uncompressed), "", "0", not uncompressed),
        Row("repeat visit transferred", round(repeat.transferred / 1024, 1), "KB"),
        Row("repeat visit asset requests", len(asset_requests), "", "0", not asset_requests),
        Row("repeat visit revalidations (304)", len(revalidations), "", "0", not revalidations),
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(emit(main()))
