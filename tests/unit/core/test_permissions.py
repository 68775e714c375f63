"""The permission matrix itself."""

import pytest

from learnhub.core.permissions import MATRIX, Permission, Role, permissions_of, role_may


def test_every_permission_is_in_the_matrix() -> None:
    assert set(MATRIX) == set(Permission)


@pytest.mark.parametrize("permission", list(Permission))
def test_anonymous_holds_only_public(permission: Permission) -> None:
    assert role_may(None, permission) is (permission is Permission.PUBLIC)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.REVIEWER,
            {
                "reports.review",
                "reports.export",
                "themes.triage",
                "themes.view",
                "themes.reports",
                "actions.manage",
                "dashboard.view",
            },
        ),
        (Role.EDITOR, {"bulletins.edit", "bulletins.approve", "bulletins.subscribers"}),
        (Role.LEADER, {"dashboard.view", "themes.view"}),
        (Role.ADMIN, {"users.manage", "taxonomy.manage", "settings.manage", "audit.view"}),
    ],
)
def test_each_role_holds_exactly_its_permissions(role: Role, expected: set[str]) -> None:
    assert {p.value for p in permissions_of(role)} == expected | {"public", "staff"}


def test_leaders_never_review_reports() -> None:
    # Leadership sees aggregates only, never a narrative that has not been de-identified.
    assert not role_may(Role.LEADER, Permission.REVIEW_REPORTS)
