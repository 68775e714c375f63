"""Values every template can use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from learnhub.core.fragments import reused
from learnhub.core.words import counted, humanise
from learnhub.main.navigation import navigation_items
from learnhub.reports.questions import QUESTION, SECTIONS


def account_context() -> dict[str, Any]:
    """Navigation and the signed-in banner; empty when the database is down, so that error
    pages still render."""
    try:
        return {"navigation_items": navigation_items(), "show_account": True}
    except SQLAlchemyError:
        return {"navigation_items": [], "show_account": False}


def shows_account(context: Context) -> bool:
    """Whether the page header names who is signed in (base.html's rule)."""
    if context.get("show_account") is False:
        return False
    return bool(getattr(context.get("current_user"), "is_authenticated", False))


def render_with(context: Context, template: str) -> str:
    return context.environment.get_template(template).render(context.get_all())


@pass_context
def page_part(context: Context, template: str) -> Markup:
    """base.html's header or footer. Signed out, it has no menu and no account and is the same
    on every page, so it is reused; signed in, it is rendered for the person."""
    if context.get("navigation_items") or shows_account(context):
        return Markup(render_with(context, template))  # noqa: S704 - autoescaped template output
    key = (template, request.script_root, context.get("council_name"), context.get("council_url"))
    return reused(key, lambda: render_with(context, template))


@pass_context
def safeguarding_notice(context: Context) -> Markup:
    """The notice every reporting page carries (_macros.html), with this service's numbers."""
    info = context.get("safeguarding") or {}
    macro = context.environment.get_template("_macros.html").module.safeguarding_notice  # type: ignore[attr-defined]
    return reused(("safeguarding", *sorted(info.items())), lambda: macro(info))


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def month_year(day: dt.date) -> str:
    return f"{day:%B %Y}"


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(month_year)
    app.add_template_filter(humanise)
    app.add_template_filter(counted)
    app.add_template_global(page_part)
    app.add_template_global(safeguarding_notice)
    # The report's questions, for every page that asks them or names the answers.
    app.add_template_global(QUESTION, "report_questions")
    app.add_template_global(SECTIONS, "report_sections")

    @app.context_processor
    def shared_context() -> dict[str, Any]:
        config = app.config
        return {
            **account_context(),
            "organisation_name": config["ORGANISATION_NAME"],
            "council_name": config["ORGANISATION_NAME"],
            "safeguarding": {
                "organisation": f"{config['ORGANISATION_NAME']} children's services",
                "emergency": "999",
                "front_door_phone": config["SAFEGUARDING_PHONE"],
                "out_of_hours_phone": config["SAFEGUARDING_OUT_OF_HOURS_PHONE"],
            },
            "k_threshold": config["K_THRESHOLD"],
        }
