"""The load generator for the submission benchmark, run in its own process.

    python3 -m benchmarks.loadgen {learnhub|bare|bare-flow} BASE_URL CLIENTS SECONDS [WARMUP]

Each simulated client is one browser: its own aiohttp session with its own cookie jar and one
keep-alive connection. A LearnHub client repeats the reporter's whole flow as a browser makes
it (GET the form, POST the answers, which redirects to the check page, GET the check page, POST
Send with every hidden field the check page carries, GET the confirmation Send redirects to); a
bare client POSTs one row; a bare-flow client makes the same five requests of the bare app, four
of them constant pages. Requests started during the warm-up are not
counted. Prints one JSON object: per request kind and overall, the count and latencies.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sys
import time
from collections import defaultdict

import aiohttp

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
RECEIPT = re.compile(r'id="receipt">([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})<')

NARRATIVE = (
    "A referral came in on a Friday afternoon and was logged against the wrong team because the "
    "service directory still listed the old duty number. The weekend worker noticed the "
    "mismatch while reading the chronology and rang the right team, who picked it up before the "
    "family's visit was missed. Handovers at the end of the week are rushed and the directory "
    "has not been checked since the restructure."
)
ANSWERS = [
    ("narrative", NARRATIVE),
    ("what_nearly_happened", "A visit to a family could have been missed over the weekend."),
    ("potential_severity", "moderate"),
    ("what_stopped_it", "The weekend worker read the chronology carefully and checked."),
    ("what_made_it_likely", "An out-of-date directory and a rushed Friday handover."),
    ("what_would_help", "Check the service directory after every restructure."),
    ("event_type", "near_miss"),
    ("event_month", "3"),
    ("event_year", "2026"),
    ("service_area", ""),
    ("reporter_role", ""),
]


class UnexpectedResponse(Exception):
    pass


class Recorder:
    def __init__(self, record_from: float) -> None:
        self.record_from = record_from
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.flow_latencies: list[float] = []
        self.errors = 0

    async def timed(self, kind: str, request, expect: int) -> str:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        async with request as response:
            body = await response.text()
        elapsed = time.perf_counter() - start
        if response.status != expect:
            raise UnexpectedResponse(f"{kind}: {response.status}")
        if start >= self.record_from:
            self.latencies[kind].append(elapsed)
        return body


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return [(name, html.unescape(value)) for name, value in HIDDEN.findall(page)]


async def learnhub_flow(session: aiohttp.ClientSession, base: str, rec: Recorder) -> None:
    form = await rec.timed("form", session.get(f"{base}/report"), 200)
    csrf = dict(hidden_fields(form))["csrf_token"]
    await rec.timed(
        "continue",
        session.post(
            f"{base}/report", data=[("csrf_token", csrf), *ANSWERS], allow_redirects=False
        ),
        302,
    )
    check = await rec.timed("check", session.get(f"{base}/report/check"), 200)
    fields = hidden_fields(check)
    if "submission_token" not in dict(fields):
        raise UnexpectedResponse("check: no check page")
    await rec.timed(
        "send",
        session.post(f"{base}/report/submit", data=fields, allow_redirects=False),
        302,
    )
    done = await rec.timed("confirmation", session.get(f"{base}/report/confirmation"), 200)
    if not RECEIPT.search(done):
        raise UnexpectedResponse("confirmation: no receipt")


async def bare_insert(session: aiohttp.ClientSession, base: str, rec: Recorder) -> None:
    await rec.timed("insert", session.post(f"{base}/", data={"body": NARRATIVE}), 201)


async def bare_flow(session: aiohttp.ClientSession, base: str, rec: Recorder) -> None:
    """LearnHub's five requests against the bare app: a constant page, a constant answer to the
    posted text, a constant page, the insert, a constant page. The ceiling of reports filed per
    second for any app whose flow has this shape."""
    await rec.timed("page", session.get(f"{base}/page"), 200)
    await rec.timed("posted page", session.post(f"{base}/page", data={"body": NARRATIVE}), 200)
    await rec.timed("page", session.get(f"{base}/page"), 200)
    await rec.timed("insert", session.post(f"{base}/", data={"body": NARRATIVE}), 201)
    await rec.timed("page", session.get(f"{base}/page"), 200)


FLOWS = {"learnhub": learnhub_flow, "bare": bare_insert, "bare-flow": bare_flow}


async def client(target: str, base: str, rec: Recorder, until: float) -> None:
    step = FLOWS[target]
    connector = aiohttp.TCPConnector(limit=1)
    # unsafe: keep cookies set by an IP-address host (127.0.0.1), as a browser does.
    jar = aiohttp.CookieJar(unsafe=True)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar, timeout=timeout) as s:
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                await step(s, base, rec)
            except (UnexpectedResponse, aiohttp.ClientError, TimeoutError) as exc:
                rec.errors += 1
                if rec.errors <= 3:
                    print(f"error: {exc!r}", file=sys.stderr)
                continue
            if started >= rec.record_from:
                rec.flow_latencies.append(time.perf_counter() - started)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def run(target: str, base: str, clients: int, seconds: float, warmup: float) -> dict:
    now = time.perf_counter()
    rec = Recorder(now + warmup)
    until = now + warmup + seconds
    await asyncio.gather(*(client(target, base, rec, until) for _ in range(clients)))
    # Requests started before the end and finished after it are counted: use the real span.
    span = time.perf_counter() - rec.record_from
    every = [value for values in rec.latencies.values() for value in values]
    summary = {
        kind: {
            "count": len(values),
            "p50_ms": percentile(values, 0.50) * 1000,
            "p95_ms": percentile(values, 0.95) * 1000,
        }
        for kind, values in rec.latencies.items()
    }
    return {
        "clients": clients,
        "seconds": span,
        "requests": len(every),
        "requests_per_s": len(every) / span,
        "flows": len(rec.flow_latencies),
        "flows_per_s": len(rec.flow_latencies) / span,
        "flow_p50_ms": percentile(rec.flow_latencies, 0.50) * 1000,
        "flow_p95_ms": percentile(rec.flow_latencies, 0.95) * 1000,
        "p50_ms": percentile(every, 0.50) * 1000,
        "p95_ms": percentile(every, 0.95) * 1000,
        "errors": rec.errors,
        "by_kind": summary,
    }


def main() -> None:
    target, base, clients, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    warmup = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    print(json.dumps(asyncio.run(run(target, base, clients, seconds, warmup))))


if __name__ == "__main__":
    main()
