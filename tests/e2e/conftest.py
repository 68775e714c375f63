"""Browser fixtures: a live LearnHub on its own database, and Debian's Chromium through Playwright.

The browser is the system's /usr/bin/chromium (Playwright downloads none). Where it is missing
the journeys are skipped, except under CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


# Every page a journey visits is photographed, whole, at the journey's width, so a reviewer can
# look at them: LEARNHUB_SCREENSHOTS names the folder (a path, default tests/e2e/screenshots/,
# which git ignores; "off" writes none). .ci/run prints where they are.
SCREENSHOTS_DEFAULT = Path(__file__).parent / "screenshots"


def screenshot_folder() -> Path | None:
    setting = os.environ.get("LEARNHUB_SCREENSHOTS", "").strip()
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    return Path(setting) if setting else SCREENSHOTS_DEFAULT


def _file_name(number: int, url: str) -> str:
    path = urlsplit(url).path.strip("/") or "home"
    return f"{number:02d}-{re.sub(r'[^A-Za-z0-9]+', '-', path).strip('-')[:80]}.png"


class PhotographedPage:
    """The journey's page, photographed whole after each page loads, numbered in visit order.

    Playwright tells of a load only when the test next calls into it, by which time a handler
    could be looking at the next page; so the load is noted, and the picture taken before and
    after each call the test makes on the page, while the loaded page is still the one shown.
    """

    def __init__(self, page: Any, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)  # this test's pictures from an earlier run
        folder.mkdir(parents=True, exist_ok=True)
        vars(self).update(_page=page, _folder=folder, _loaded=[], _taken=0)
        page.on("load", lambda: self._loaded.append(page.url))

    def _photograph(self) -> None:
        if not self._loaded:
            return
        self._loaded.clear()
        self._taken += 1
        path = self._folder / _file_name(self._taken, self._page.url)
        try:
            self._page.screenshot(path=str(path), full_page=True)
        except Exception:  # a page closed or navigating again: no failure of the journey
            return

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._page, name)
        if not callable(value) or name.startswith("_"):
            return value

        def photographed(*args: Any, **kwargs: Any) -> Any:
            self._photograph()
            result = value(*args, **kwargs)
            self._photograph()
            return result

        return photographed

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            vars(self)[name] = value
        else:
            setattr(self._page, name, value)

    def finish(self) -> None:
        self._photograph()


@pytest.fixture
def page(browser: Any, viewport: dict[str, int], request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    folder = screenshot_folder()
    if folder is not None:
        test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        page = PhotographedPage(page, folder / Path(request.node.path).stem / test_name)
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
    if isinstance(page, PhotographedPage):
        page.finish()
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
