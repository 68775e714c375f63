"""Rules of the code held by reading it: services flush, and only the caller commits.

A transaction belongs to whoever answers for the whole piece of work: a view (one request), a
command, a job (and the scheduler that runs it), the demo seeder, and the job leases in
core/jobs.py (a lease must be committed to be seen by other processes). A service that commits
would end its caller's transaction half way, so the caller could no longer roll back, or add an
audit record to the same commit. A job that must commit in batches does it in its jobs.py, or
hands a service its own ``session.commit`` as a callback.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "learnhub"

# Modules that answer for a whole piece of work, so may commit.
CALLER_FILE_NAMES = {"views.py", "cli.py", "jobs.py"}
CALLER_MODULES = {
    "learnhub/scheduler.py",
    "learnhub/commands.py",  # LearnHub's own commands: init, demo, users, tokens, scheduler
    "learnhub/setup.py",  # the body of `learnhub init`, a command
    "learnhub/core/jobs.py",  # leases: committed at once so other processes see them
}
CALLER_PACKAGES = ("learnhub/demo/", "learnhub/api/")  # the seeder; the API's endpoint modules


def may_commit(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return (
        name in CALLER_FILE_NAMES
        or name.endswith("_views.py")
        or relative in CALLER_MODULES
        or relative.startswith(CALLER_PACKAGES)
    )


def commit_calls(source: str) -> list[int]:
    """Lines that call something's ``.commit()`` (a session's, a connection's, db.session's)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def commits_outside_callers(files: dict[str, str]) -> list[str]:
    """``files``: each module's path from the repository root, and its source."""
    return [
        f"{relative}:{line}"
        for relative, source in sorted(files.items())
        if not may_commit(relative)
        for line in commit_calls(source)
    ]


def test_only_views_commands_and_jobs_commit() -> None:
    files = {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for path in PACKAGE.rglob("*.py")
    }
    assert commits_outside_callers(files) == []


def test_the_check_sees_a_service_that_commits() -> None:
    service = (
        "def publish(session, bulletin):\n    bulletin.status = 'published'\n    session.commit()\n"
    )
    flushes = "def publish(session, bulletin):\n    session.flush()\n"
    passes_it_on = "def run():\n    send_issue(db.session, commit=db.session.commit)\n"
    assert commits_outside_callers(
        {
            "learnhub/bulletins/services.py": service,
            "learnhub/bulletins/sending.py": flushes,
            "learnhub/themes/triage.py": "def f(db):\n    db.session.commit()\n",
            "learnhub/bulletins/views.py": service,
            "learnhub/review/theme_views.py": service,
            "learnhub/bulletins/jobs.py": passes_it_on,
            "learnhub/core/jobs.py": service,
            "learnhub/core/email.py": service,
        }
    ) == [
        "learnhub/bulletins/services.py:3",
        "learnhub/core/email.py:3",
        "learnhub/themes/triage.py:2",
    ]
