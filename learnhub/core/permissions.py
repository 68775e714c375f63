"""The one permission matrix: which staff role may do what. Every view and API endpoint names
exactly one permission, and a single request hook enforces it (see ``learnhub.auth.guard``)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar


class Role(enum.StrEnum):
    REVIEWER = "reviewer"
    EDITOR = "editor"
    LEADER = "leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REVIEWER: "Review panel member",
    Role.EDITOR: "Bulletin editor",
    Role.LEADER: "Leadership",
    Role.ADMIN: "Administrator",
}


class Permission(enum.StrEnum):
    PUBLIC = "public"  # anyone, signed in or not: reporting, follow-up, bulletins, taxonomy
    STAFF = "staff"  # any signed-in member of staff: their own account, signing out
    REVIEW_REPORTS = "reports.review"
    EXPORT_REPORTS = "reports.export"
    TRIAGE_THEMES = "themes.triage"
    VIEW_THEMES = "themes.view"
    VIEW_THEME_REPORTS = "themes.reports"
    MANAGE_ACTIONS = "actions.manage"
    EDIT_BULLETINS = "bulletins.edit"
    APPROVE_BULLETINS = "bulletins.approve"
    VIEW_SUBSCRIBERS = "bulletins.subscribers"
    VIEW_DASHBOARD = "dashboard.view"
    MANAGE_USERS = "users.manage"
    MANAGE_TAXONOMY = "taxonomy.manage"
    MANAGE_SETTINGS = "settings.manage"
    VIEW_AUDIT = "audit.view"


PERMISSION_DESCRIPTIONS = {
    Permission.PUBLIC: "Use everything any member of the public can: reporting and follow-up",
    Permission.STAFF: "Manage your own account",
    Permission.REVIEW_REPORTS: "Read and triage reports, ask reporters questions, code reports",
    Permission.EXPORT_REPORTS: "Download the triage queue as a spreadsheet (CSV)",
    Permission.TRIAGE_THEMES: "Accept, merge or dismiss candidate themes",
    Permission.VIEW_THEMES: "Read recurring themes and their trends",
    Permission.VIEW_THEME_REPORTS: "List the reports a theme is made of",
    Permission.MANAGE_ACTIONS: "Agree actions and record their progress",
    Permission.EDIT_BULLETINS: "Draft and edit the monthly bulletin",
    Permission.APPROVE_BULLETINS: "Approve another editor's bulletin for publication",
    Permission.VIEW_SUBSCRIBERS: "See subscribers' addresses and each one's delivery",
    Permission.VIEW_DASHBOARD: "Read the dashboards (figures only, small numbers hidden)",
    Permission.MANAGE_USERS: (
        "Add staff accounts, set their roles, disable them, and reset passwords and"
        " authenticator apps"
    ),
    Permission.MANAGE_TAXONOMY: "Load, compare and activate taxonomy versions",
    Permission.MANAGE_SETTINGS: "Manage service areas and settings",
    Permission.VIEW_AUDIT: "Read the audit trail",
}

ALL_ROLES = frozenset(Role)

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.PUBLIC: ALL_ROLES,
    Permission.STAFF: ALL_ROLES,
    Permission.REVIEW_REPORTS: frozenset({Role.REVIEWER}),
    # A file of the queue leaves the page's audit and access checks behind: the panel's alone.
    Permission.EXPORT_REPORTS: frozenset({Role.REVIEWER}),
    Permission.TRIAGE_THEMES: frozenset({Role.REVIEWER}),
    # Leaders see themes as figures only, with small counts suppressed.
    Permission.VIEW_THEMES: frozenset({Role.REVIEWER, Role.LEADER}),
    # Which reports make a theme tells small numbers apart: the panel's alone.
    Permission.VIEW_THEME_REPORTS: frozenset({Role.REVIEWER}),
    Permission.MANAGE_ACTIONS: frozenset({Role.REVIEWER}),
    Permission.EDIT_BULLETINS: frozenset({Role.EDITOR}),
    Permission.APPROVE_BULLETINS: frozenset({Role.EDITOR}),
    # Subscribers' addresses are personal data: only the editors who send to them see them.
    Permission.VIEW_SUBSCRIBERS: frozenset({Role.EDITOR}),
    # Reviewers read the dashboard too: it shows them where the panel's time goes.
    Permission.VIEW_DASHBOARD: frozenset({Role.LEADER, Role.REVIEWER}),
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
    Permission.MANAGE_TAXONOMY: frozenset({Role.ADMIN}),
    Permission.MANAGE_SETTINGS: frozenset({Role.ADMIN}),
    Permission.VIEW_AUDIT: frozenset({Role.ADMIN}),
}


def role_may(role: Role | None, permission: Permission) -> bool:
    """True when a signed-in ``role`` (None: not signed in) holds ``permission``."""
    if permission is Permission.PUBLIC:
        return True
    if role is None:
        return False
    return role in MATRIX[permission]


def permissions_of(role: Role) -> frozenset[Permission]:
    return frozenset(p for p, roles in MATRIX.items() if role in roles)


F = TypeVar("F", bound=Callable[..., object])
PERMISSION_ATTRIBUTE = "learnhub_permission"


def requires(permission: Permission) -> Callable[[F], F]:
    """Declare the permission a view needs; the request guard enforces it before the view runs."""

    def mark(view: F) -> F:
        setattr(view, PERMISSION_ATTRIBUTE, permission)
        return view

    return mark


def permission_of(view: Callable[..., object]) -> Permission | None:
    return getattr(view, PERMISSION_ATTRIBUTE, None)
