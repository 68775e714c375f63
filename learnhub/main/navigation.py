"""The service navigation each person sees, built from what their role may do."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_login import current_user

from learnhub.core.permissions import Permission, role_may

# (endpoint, label, permission), in the order they appear.
STAFF_NAVIGATION = (
    ("review.queue", "Triage queue", Permission.REVIEW_REPORTS),
    ("themes.candidates", "Themes", Permission.TRIAGE_THEMES),
    ("actions.index", "Actions", Permission.MANAGE_ACTIONS),
    ("dashboard.overview", "Dashboard", Permission.VIEW_DASHBOARD),
    ("themes.learning", "Learning themes", Permission.VIEW_THEMES),
    ("bulletins.manage", "Bulletins", Permission.EDIT_BULLETINS),
    ("admin.users", "Users", Permission.MANAGE_USERS),
    ("admin.service_areas", "Service areas", Permission.MANAGE_SETTINGS),
    ("taxonomy.versions", "Taxonomy", Permission.MANAGE_TAXONOMY),
    ("admin.agreement", "Agreement", Permission.MANAGE_TAXONOMY),
    ("admin.audit_trail", "Audit trail", Permission.VIEW_AUDIT),
    ("auth.account", "Your account", Permission.STAFF),
)


def navigation_items() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label, permission in STAFF_NAVIGATION:
        if role_may(current_user.role, permission):
            items.append(
                {"href": url_for(endpoint), "text": label, "active": request.endpoint == endpoint}
            )
    return items
