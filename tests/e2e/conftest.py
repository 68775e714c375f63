"""Browser fixtures: a live LearnHub on its own database, and Debian's Chromium through Playwright.

The browser is the system's /usr/bin/chromium (Playwright downloads none). Where it is missing
the journeys are skipped, except under CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}
# The width every page must fit on a phone without scrolling sideways (an iPhone 12 to 15).
PHONE_WIDTH = 390
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs Debian's Chromium at {CHROMIUM} (.ci/run installs it)")
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return request.param


@pytest.fixture
def page(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            page.csp_errors.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()


@pytest.fixture
def no_js_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    yield context.new_page()
    context.close()


def serious_accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.2 A and AA rules) on the page; return serious and critical findings."""
    page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}
        })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                  targets: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def phone_width_problem(page: Any, width: int = PHONE_WIDTH) -> str | None:
    """Open every ``<details>`` (factor sections, filters, "how this was found") and measure the
    page: None when it fits ``width``, else how wide it is and its widest elements."""
    return page.evaluate(
        """(width) => {
            document.querySelectorAll('details').forEach(d => { d.open = true; });
            const scrolled = document.documentElement.scrollWidth;
            if (scrolled <= width) return null;
            const wide = [];
            for (const el of document.querySelectorAll('body *')) {
                const box = el.getBoundingClientRect();
                const parent = el.parentElement.getBoundingClientRect();
                // The outermost element that sticks out: its parent still fits.
                if (box.right > width + 0.5 && box.width > 0 && parent.right <= width + 0.5) {
                    let name = el.tagName.toLowerCase();
                    if (el.id) name += '#' + el.id;
                    if (el.classList.length) name += '.' + [...el.classList].join('.');
                    wide.push(name + ' right=' + Math.round(box.right));
                }
                if (wide.length >= 4) break;
            }
            return 'scrollWidth ' + scrolled + ' px at a ' + width + ' px phone: '
                + wide.join(', ');
        }""",
        width,
    )
