"""Taxonomy pages: the public browser of the active version's factors, and the administrator's
versions, with the diff and code mapping needed to activate a draft."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from learnhub.core.extensions import db
from learnhub.core.forms import ELSEWHERE
from learnhub.core.inputs import taken_out
from learnhub.core.permissions import Permission, requires
from learnhub.taxonomy import versions
from learnhub.taxonomy.models import TaxonomyCode, TaxonomyVersion, VersionStatus
from learnhub.taxonomy.services import active_version, codes_by_tier

bp = Blueprint("taxonomy", __name__)

MAX_QUERY = 200
# Code ids named in running text, such as "Use PRE-TEAM-1 when ...".
CODE_IN_TEXT = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-[1-9][0-9]*\b")
TARGET_SEPARATORS = re.compile(r"[\s,;]+")


# -------------------------------------------------------------------------------- public pages


@bp.route("/taxonomy")
@requires(Permission.PUBLIC)
def browse() -> str:
    query = request.args.get("q", "")[:MAX_QUERY].strip()
    version = active_version(db.session)
    groups = []
    for tier, codes in codes_by_tier(version) if version else []:
        found = versions.search_codes(codes, query)
        if found:
            groups.append((tier, found))
    return render_template(
        "taxonomy/browse.html",
        version=version,
        groups=groups,
        query=query,
        match_count=sum(len(codes) for _, codes in groups),
    )


@bp.route("/taxonomy/<code_id>", endpoint="code")
@requires(Permission.PUBLIC)
def show_code(code_id: str) -> str | Response:
    version = active_version(db.session)
    if version is None:
        abort(404)
    codes = {code.code: code for code in version.codes}
    found = codes.get(code_id)
    if found is None:
        if code_id.upper() in codes:  # a hand-typed address in lower case
            return redirect(url_for("taxonomy.code", code_id=code_id.upper()), 301)
        abort(404)
    tiers = {tier.key: tier for tier, _ in codes_by_tier(version)}
    return render_template(
        "taxonomy/code.html",
        version=version,
        code=found,
        tier=tiers[found.tier],
        excludes=link_codes(found.excludes, codes),
        includes=link_codes(found.includes, codes),
    )


def link_codes(text: str, codes: Mapping[str, TaxonomyCode]) -> Markup:
    """``text`` escaped, with each code id it names linked to that code's page."""
    pieces: list[str] = []
    position = 0
    for match in CODE_IN_TEXT.finditer(text):
        named = codes.get(match.group())
        if named is None:
            continue
        href = url_for("taxonomy.code", code_id=named.code)
        pieces.append(escape(text[position : match.start()]))
        pieces.append(Markup('<a class="govuk-link" href="{}">{}</a>').format(href, named.code))
        position = match.end()
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


# ------------------------------------------------------------------------------- admin pages


@bp.route("/admin/taxonomy", endpoint="versions")
@requires(Permission.MANAGE_TAXONOMY)
def versions_list() -> str:
    return render_template("admin/taxonomy.html", summaries=versions.version_summaries(db.session))


@bp.route("/admin/taxonomy/<int:number>", endpoint="version")
@requires(Permission.MANAGE_TAXONOMY)
def show_version(number: int) -> str:
    return render_version(version_or_404(number), answers={}, errors={})


@bp.route("/admin/taxonomy/<int:number>/activate", methods=["POST"])
@requires(Permission.MANAGE_TAXONOMY)
def activate(number: int) -> str | Response:
    draft = version_or_404(number)
    removed = removed_codes(draft)
    mapping, errors = mapping_from_form(request.form, removed, draft.number)
    errors.update(taken_out_errors(removed))
    if not errors:
        try:
            plan = versions.activate(db.session, draft, mapping, actor=current_user, via="web")
        except versions.VersionChangeRefused as exc:
            db.session.rollback()
            errors = refusal_errors(exc, removed)
        else:
            db.session.commit()
            retired = f" Version {plan.source.number} is retired." if plan.source else ""
            flash(f"Version {draft.number} is now the active taxonomy.{retired}", "success")
            return redirect(url_for("taxonomy.version", number=draft.number))
    else:
        # Check what was answered too, so every problem shows at once, not one round at a time.
        try:
            versions.plan_mapping(db.session, draft, mapping)
        except versions.VersionChangeRefused as exc:
            errors = {**refusal_errors(exc, removed), **errors}
    return render_version(draft, answers=request.form, errors=in_page_order(errors, removed))


def refusal_errors(exc: versions.VersionChangeRefused, removed: list[str]) -> dict[str, str]:
    """The service's refusal as errors per field; a removed code left unanswered is already
    the form's own error, so the service's word on it is left out."""
    if not isinstance(exc, versions.MappingInvalid):
        return {"mapping": f"{exc}."}
    return {
        f"to-{code}" if code in removed else "mapping": message
        for code, message in exc.errors.items()
        if code not in exc.unmapped
    }


def in_page_order(errors: Mapping[str, str], removed: list[str]) -> dict[str, str]:
    fields = ["mapping", *(f"{kind}-{code}" for code in removed for kind in ("action", "to"))]
    return {field: errors[field] for field in fields if field in errors}


def taken_out_errors(removed: list[str]) -> dict[str, str]:
    """An error on each answer that had text no database can store taken out, so the form is
    shown again rather than the rest of it acted on (it is read without a WTForms form)."""
    messages = taken_out()
    shown = in_page_order(messages, removed)
    if len(shown) < len(messages):
        shown.setdefault("mapping", ELSEWHERE)
    return shown


def version_or_404(number: int) -> TaxonomyVersion:
    found = versions.version_by_number(db.session, number)
    if found is None:
        abort(404)
    return found


def removed_codes(draft: TaxonomyVersion) -> list[str]:
    active = active_version(db.session)
    if active is None or draft.status is not VersionStatus.DRAFT:
        return []
    return [code.code for code in versions.version_diff(active, draft).removed]


def render_version(
    version: TaxonomyVersion, answers: Mapping[str, str], errors: Mapping[str, str]
) -> str:
    active = active_version(db.session)
    is_draft = version.status is VersionStatus.DRAFT
    diff = versions.version_diff(active, version) if is_draft and active else None
    return render_template(
        "admin/taxonomy_version.html",
        version=version,
        active=active,
        is_draft=is_draft,
        diff=diff,
        groups=codes_by_tier(version),
        answers=answers,
        errors=errors,
        error_list=[
            {"text": message, "href": f"#{field}"} if field != "mapping" else {"text": message}
            for field, message in errors.items()
        ],
    )


def mapping_from_form(
    form: Mapping[str, str], removed: list[str], draft_number: int
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The mapping the form asks for, and an error per field id for what it leaves unsaid.

    For each removed code the form has radios ``action-<code>`` (map or retire) and a text box
    ``to-<code>`` for the new codes, separated by commas or spaces.
    """
    mapping: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for code in removed:
        action = form.get(f"action-{code}", "")
        targets = [
            target.upper()
            for target in TARGET_SEPARATORS.split(form.get(f"to-{code}", ""))
            if target
        ]
        if action == "retire":
            mapping[code] = []
        elif action != "map":
            errors[f"action-{code}"] = f"Choose what happens to reports coded {code}"
        elif not targets:
            errors[f"to-{code}"] = f"Enter the version {draft_number} codes that {code} becomes"
        else:
            mapping[code] = targets
    return mapping, errors
