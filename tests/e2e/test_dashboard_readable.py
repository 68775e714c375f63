"""The dashboard read on a phone and on paper (issue 19, findings 6, 8 and 12): no sideways
scroll at 390 px with charts drawn for the width, heatmap labels that do not overlap, and a
print-out without a blank first page, in as few A4 pages as the figures need."""

from __future__ import annotations

import re
import zlib
from typing import Any

import pytest

from learnhub.core.permissions import Role
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.test_dashboard_journey import PERIOD, reports_for_the_dashboard
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member

pytestmark = pytest.mark.e2e
PHONE_390 = {"width": 390, "height": 844}


def leader_on_the_dashboard(browser: Any, live_server: LiveServer, viewport: dict[str, int]) -> Any:
    reports_for_the_dashboard(live_server)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.LEADER))
    page.goto(f"{live_server.url}/dashboard/?{PERIOD}")
    page.wait_for_load_state("networkidle")
    return page


def test_the_dashboard_fits_a_phone_with_charts_drawn_for_it(
    browser: Any, live_server: LiveServer
) -> None:
    page = leader_on_the_dashboard(browser, live_server, PHONE_390)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        charts = page.locator("img.app-chart")
        assert charts.count() >= 2
        for i in range(charts.count()):
            source = charts.nth(i).evaluate("(img) => img.currentSrc")
            assert "layout=narrow" in source, source
            assert charts.nth(i).evaluate("(img) => img.complete && img.naturalWidth > 0")
        assert serious_accessibility_violations(page) == []
    finally:
        page.context.close()


def test_the_heatmap_labels_do_not_overlap(browser: Any, live_server: LiveServer) -> None:
    page = leader_on_the_dashboard(browser, live_server, {"width": 1280, "height": 900})
    try:
        for layout in ("", "&layout=narrow"):
            page.goto(f"{live_server.url}/dashboard/charts/factors.svg?{PERIOD}{layout}")
            boxes = page.evaluate(
                """() => [...document.querySelectorAll('text')].filter(t => t.textContent.trim())
                    .map(t => { const r = t.getBoundingClientRect();
                    return [t.textContent.trim(), r.left, r.top, r.right, r.bottom]; })"""
            )
            assert len(boxes) > 20
            # Labels side by side on one line must not run into each other (the lines of one
            # wrapped title sit one above the other, and a font's line box is taller than
            # its letters, so only labels whose middles share a line are compared).
            overlapping = [
                (a[0], b[0])
                for i, a in enumerate(boxes)
                for b in boxes[i + 1 :]
                if abs((a[2] + a[4]) - (b[2] + b[4])) / 2 < 3
                and a[1] < b[3] - 0.5
                and b[1] < a[3] - 0.5
            ]
            assert overlapping == [], layout
            assert not [box[0] for box in boxes if box[0].startswith("<")]
    finally:
        page.context.close()


def pdf_pages(pdf: bytes) -> list[bytes]:
    """The content of each page of a PDF Chromium printed, in order (uncompressed)."""
    objects = {
        int(number): body
        for number, body in re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, flags=re.DOTALL)
    }

    def stream(number: int) -> bytes:
        body = objects[number]
        data = body[body.index(b"stream") + 6 : body.rindex(b"endstream")].strip(b"\r\n")
        return zlib.decompress(data) if b"FlateDecode" in body else data

    def kids(number: int) -> list[int]:
        body = objects[number]
        if re.search(rb"/Type\s*/Pages", body):
            listed = re.search(rb"/Kids\s*\[(.*?)\]", body, flags=re.DOTALL)
            assert listed is not None
            found: list[int] = []
            for kid in re.findall(rb"(\d+) 0 R", listed.group(1)):
                found += kids(int(kid))
            return found
        return [number]

    root = next(n for n, body in objects.items() if re.search(rb"/Type\s*/Catalog", body))
    tree = re.search(rb"/Pages\s+(\d+) 0 R", objects[root])
    assert tree is not None
    pages = []
    for page in kids(int(tree.group(1))):
        contents = re.search(rb"/Contents\s+(\d+) 0 R", objects[page])
        pages.append(stream(int(contents.group(1))) if contents else b"")
    return pages


def test_the_dashboard_prints_without_a_blank_first_page(
    browser: Any, live_server: LiveServer
) -> None:
    page = leader_on_the_dashboard(browser, live_server, {"width": 1280, "height": 900})
    try:
        page.emulate_media(media="print")
        pages = pdf_pages(page.pdf(format="A4", print_background=True))
        text_on = [bool(re.search(rb"T[Jj]\b", content)) for content in pages]
        assert text_on[0], "the first printed page is blank"
        assert all(text_on), text_on
        assert len(pages) <= 5, len(pages)
    finally:
        page.context.close()
