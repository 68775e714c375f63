"""The lock files pin every dependency pyproject.toml names, at a version its range allows, so the
README's commands install exactly what CI tested (refresh with ``sh requirements/refresh.sh``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)==([^\s;\\]+)")


def pinned(lock: str) -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            versions.setdefault(canonicalize_name(match.group(1)), set()).add(match.group(2))
    return versions


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    if extra:
        names += project["optional-dependencies"][extra]
    build = (ROOT / "requirements" / "build.in").read_text(encoding="utf-8").splitlines()
    names += [line for line in build if line.strip() and not line.startswith("#")]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(("lock", "extra"), [("app.txt", None), ("test.txt", "test")])
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, extra: str | None) -> None:
    versions = pinned(lock)
    missing = [str(r) for r in declared(extra) if canonicalize_name(r.name) not in versions]
    assert not missing, f"not in requirements/{lock}: {missing}; run sh requirements/refresh.sh"
    outside = [
        f"{r.name}=={v}"
        for r in declared(extra)
        for v in versions[canonicalize_name(r.name)]
        if not r.specifier.contains(v, prereleases=True)
    ]
    assert not outside, f"pinned outside pyproject.toml's range: {outside}"


def test_every_pin_carries_hashes() -> None:
    text = (ROOT / "requirements" / "test.txt").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    unhashed = [entry.split()[0] for entry in entries if "==" in entry and "--hash" not in entry]
    assert not unhashed, f"pinned without a hash: {unhashed}"
