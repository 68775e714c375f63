"""Pressing Send several times at once, against a real threaded server: one report, no 5xx."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html import unescape

import sqlalchemy as sa

from learnhub.core.extensions import db
from learnhub.reports.models import Report
from tests.conftest import LiveServer
from tests.integration.reports.helpers import answers

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def count_reports(live_server: LiveServer) -> int:
    with live_server.app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Report))
        db.session.remove()
    return count


def test_five_simultaneous_sends_file_one_report(live_server: LiveServer) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form_page = opener.open(f"{live_server.url}/report").read().decode()
    data = {
        **answers(narrative="A race between two presses of Send."),
        "csrf_token": TOKEN.search(form_page).group(1),
    }
    check_page = (
        opener.open(f"{live_server.url}/report", urllib.parse.urlencode(data).encode())
        .read()
        .decode()
    )
    sent_form = check_page[check_page.index('action="/report/submit"') :]
    fields = [(unescape(k), unescape(v)) for k, v in HIDDEN.findall(sent_form)]
    body = urllib.parse.urlencode(fields).encode()
    before = count_reports(live_server)

    def send(_: int) -> int:
        try:
            return opener.open(f"{live_server.url}/report/submit", body).status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(send, range(5)))
    assert all(status < 500 for status in statuses), statuses
    assert count_reports(live_server) == before + 1
