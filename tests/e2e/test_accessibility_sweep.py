"""Every page, for anonymous visitors and each staff role: it answers as the permission matrix
says with JavaScript off, axe-core finds no serious or critical violation on it, and on a
390 px phone, with every expandable section (``<details>``) open, it is no wider than the
phone (``document.documentElement.scrollWidth <= 390``): nothing scrolls sideways.

The pages are read from ``app.url_map`` when the test runs, so pages added later are swept
without editing this file: every GET route without parameters, and each route with parameters
that SAMPLES can fill from an object in the database (a route with a parameter it does not know
is listed in the test's output as not swept). Anything that is not text/html (JSON, CSV, feeds,
static files) is left out by its Content-Type.

How axe runs on the JavaScript-off page: with JavaScript disabled for a context, Playwright's
``page.evaluate`` still runs (it goes through the DevTools protocol), but the page's timers do
not fire, and ``axe.run`` waits on timers, so it never finishes there. So each page is loaded
twice: first in a context with JavaScript disabled, where its status and final address are
checked; then in a context with JavaScript enabled but every request for our own scripts
(/static/js/) aborted, so the DOM is exactly the server's HTML as a browser without JavaScript
shows it (no ``js-enabled`` class, no GOV.UK Frontend enhancements; LearnHub has no
``<noscript>``, the one thing that would differ), and axe-core is injected with
``page.evaluate``, which the page's Content-Security-Policy does not govern.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, Role, permission_of, role_may
from learnhub.dashboard.services import tier_titles
from tests.conftest import LiveServer
from tests.e2e.conftest import (
    DESKTOP,
    PHONE_WIDTH,
    phone_width_problem,
    screenshot_folder,
    serious_accessibility_violations,
)
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member
from tests.e2e.test_reviewer_coding import a_report

pytestmark = pytest.mark.e2e

ANONYMOUS = "anonymous"
DOWNLOADS = (".csv",)


def _first(statement: Any) -> Callable[[Session], object | None]:
    return lambda session: session.scalar(statement.limit(1))


def _samples() -> dict[str, Callable[[Session], object | None]]:
    from learnhub.actions.models import Action
    from learnhub.auth.models import User
    from learnhub.bulletins.models import Bulletin
    from learnhub.reports.models import Report
    from learnhub.taxonomy.models import TaxonomyCode, TaxonomyVersion, VersionStatus
    from learnhub.themes.models import Theme

    active = sa.select(TaxonomyVersion.id).where(TaxonomyVersion.status == VersionStatus.ACTIVE)
    return {
        # URL parameter name -> a value from the database. Add a line for a new parameter.
        "reference": _first(sa.select(Report.reference).order_by(Report.id)),
        "number": _first(sa.select(TaxonomyVersion.number).order_by(TaxonomyVersion.number)),
        "code_id": _first(
            sa.select(TaxonomyCode.code)
            .where(TaxonomyCode.version_id.in_(active.scalar_subquery()))
            .order_by(TaxonomyCode.position)
        ),
        # For pages other work adds; swept when such an object exists in the database.
        "theme_id": _first(sa.select(Theme.id).order_by(Theme.id)),
        "bulletin_id": _first(sa.select(Bulletin.id).order_by(Bulletin.id)),
        "action_id": _first(sa.select(Action.id).order_by(Action.id)),
        "user_id": _first(sa.select(User.id).order_by(User.id)),
        "tier": lambda session: next(iter(tier_titles())),
    }


def _endpoint_samples() -> dict[tuple[str, str], Callable[[Session], object | None]]:
    """Where a parameter name means something else on one feature's pages."""
    from learnhub.bulletins.models import Bulletin

    published = sa.select(Bulletin.number).where(Bulletin.number.is_not(None))
    return {("bulletins", "number"): _first(published.order_by(Bulletin.number))}


def _query_samples() -> dict[str, Callable[[Session], dict[str, object] | None]]:
    """Pages that need a query string to show anything: endpoint -> its query values."""
    from learnhub.reports.models import Report

    return {
        "actions.new": lambda session: {
            "report_id": session.scalar(sa.select(Report.id).order_by(Report.id).limit(1))
        },
    }


def a_theme_with_an_action(live_server: LiveServer, reference: str) -> None:
    """A candidate theme holding the report, and an action on it, so their pages are swept."""
    from learnhub.actions.models import Action
    from learnhub.bulletins.models import Bulletin
    from learnhub.reports.models import Report
    from learnhub.themes.models import Theme, ThemeKind, ThemeMember

    with live_server.app.app_context():
        if db.session.scalar(sa.select(Theme.id).limit(1)) is None:
            report = db.session.scalars(sa.select(Report).filter_by(reference=reference)).one()
            theme = Theme(
                signature="sweep",
                kind=ThemeKind.FACTOR_COMBINATION,
                title="No placement found out of hours",
                defining_codes=["EXT-1"],
                member_count=1,
                monthly_counts={"2026-10": 1},
            )
            db.session.add(theme)
            db.session.flush()
            db.session.add(ThemeMember(theme_id=theme.id, report_id=report.id))
            db.session.add(Bulletin(period=dt.date(2026, 10, 1), title="October 2026"))
            db.session.add(
                Action(
                    theme_id=theme.id,
                    description="Out-of-hours placement list kept current",
                    owner="Placements team",
                    due_on=dt.date(2026, 12, 1),
                )
            )
            db.session.commit()
        db.session.remove()


def swept_paths(app: Flask) -> tuple[list[tuple[str, Permission]], list[str]]:
    """(path, permission) for each GET page, and the rules that could not be filled in."""
    samples = _samples()
    queries = _query_samples()
    by_feature = _endpoint_samples()
    paths, unswept = [], []
    with app.app_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
                continue
            values = {}
            for name in rule.arguments:
                feature = rule.endpoint.partition(".")[0]
                lookup = by_feature.get((feature, name), samples.get(name))
                value = lookup(db.session) if lookup else None
                if value is None:
                    break
                values[name] = value
            else:
                permission = permission_of(app.view_functions[rule.endpoint])
                assert permission is not None, rule.endpoint
                query = queries[rule.endpoint](db.session) if rule.endpoint in queries else {}
                path = rule.build({**values, **(query or {})}, append_unknown=True)[1]
                paths.append((path, permission))
                continue
            unswept.append(rule.rule)
        db.session.remove()
    return paths, unswept


def may_see(role: str, permission: Permission) -> bool:
    return permission is Permission.PUBLIC or (
        role != ANONYMOUS and role_may(Role(role), permission)
    )


@pytest.mark.parametrize("role", [ANONYMOUS, *(role.value for role in Role)])
def test_every_page_answers_as_the_matrix_says_and_passes_axe_without_javascript(
    browser: Any, live_server: LiveServer, role: str
) -> None:
    # So the pages of a report, a theme and an action have one to show.
    a_theme_with_an_action(live_server, a_report(live_server))
    paths, unswept = swept_paths(live_server.app)
    assert ("/report", Permission.PUBLIC) in paths
    assert len(paths) >= 15, paths
    print(f"\n{role}: sweeping {len(paths)} pages; not swept (no sample): {unswept}")

    no_js = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    axe_context = phone_context = None
    problems: list[str] = []
    try:
        page = no_js.new_page()
        if role != ANONYMOUS:
            sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role(role)))
            assert "/login" not in page.url, f"{role} could not sign in"
        # Same cookies, JavaScript on for axe, our own scripts never loaded.
        axe_context = browser.new_context(storage_state=no_js.storage_state(), viewport=DESKTOP)
        axe_context.route("**/static/js/**", lambda route: route.abort())
        axe_page = axe_context.new_page()
        # And as on a phone, with JavaScript as most phones have it: no page wider than the phone.
        phone_context = browser.new_context(
            storage_state=no_js.storage_state(),
            viewport={"width": PHONE_WIDTH, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
        phone_page = phone_context.new_page()
        # Each page as this role sees it on the phone, every section open, for a person to look at.
        folder = screenshot_folder()
        pictures = None if folder is None else folder / "sweep-phone" / role
        if pictures is not None:
            shutil.rmtree(pictures, ignore_errors=True)
            pictures.mkdir(parents=True)
        for path, permission in paths:
            if path.endswith(DOWNLOADS):
                continue  # a file to save, not a page: the browser would download it
            response = page.goto(live_server.url + path)
            assert response is not None, path
            content_type = response.headers.get("content-type", "")
            if not content_type.startswith("text/html"):
                continue  # JSON, CSV, feeds: not pages
            status, landed = response.status, page.url.removeprefix(live_server.url)
            if may_see(role, permission):
                if status != 200:
                    problems.append(f"{path}: {status} for {role}, expected 200")
            elif role == ANONYMOUS:
                if not (status == 200 and landed.startswith("/login")):
                    problems.append(f"{path}: {status} at {landed}, expected the sign-in page")
            elif status != 403:
                problems.append(f"{path}: {status} for {role}, expected 403")
            axe_page.goto(live_server.url + path)
            for violation in serious_accessibility_violations(axe_page):
                problems.append(f"{path} ({role}): axe {violation}")
            phone_page.goto(live_server.url + path)
            too_wide = phone_width_problem(phone_page)
            if too_wide:
                problems.append(f"{path} ({role}): {too_wide}")
            if pictures is not None:
                name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
                phone_page.screenshot(path=str(pictures / f"{name[:80]}.png"), full_page=True)
    finally:
        if phone_context is not None:
            phone_context.close()
        if axe_context is not None:
            axe_context.close()
        no_js.close()
    assert problems == [], "\n".join(problems)
