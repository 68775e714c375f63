"""The taxonomy as data: parse and validate a catalogue file, and compare two catalogues.

Pure Python, no database and no Flask, so a catalogue can be checked before anyone loads it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from learnhub.core.text import one_line_problem

DEFAULT_CATALOGUE_FILE = "social-care-v1.json"

# The lengths of the columns these fields are stored in (learnhub/taxonomy/models.py).
LABEL_MAX = 120
CODE_MAX = 32
TIER_KEY_MAX = 40
CATEGORY_MAX = 120
TITLE_MAX = 200
YCFF_DOMAIN_MAX = 80

CODE_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-[1-9][0-9]*")
TIER_KEY = re.compile(r"[a-z][a-z0-9_]*")

TOP_FIELDS = frozenset({"label", "notes", "tiers", "codes"})
TIER_FIELDS = ("key", "title", "reporter_heading", "description")
CODE_TEXT_FIELDS = ("code", "tier", "category", "title", "definition", "prompt")
CODE_OPTIONAL_FIELDS = ("includes", "excludes", "ycff_domain")
CODE_FIELDS = frozenset({*CODE_TEXT_FIELDS, *CODE_OPTIONAL_FIELDS, "examples"})
CODE_LIMITS = {
    "code": CODE_MAX,
    "tier": TIER_KEY_MAX,
    "category": CATEGORY_MAX,
    "title": TITLE_MAX,
    "ycff_domain": YCFF_DOMAIN_MAX,
}
ONE_LINE_FIELDS = frozenset({"title", "reporter_heading"})
# What diff_catalogues compares; position is left out because reordering changes no meaning.
COMPARED_FIELDS = (
    "tier",
    "category",
    "title",
    "definition",
    "prompt",
    "includes",
    "excludes",
    "examples",
    "ycff_domain",
)


class CatalogueInvalid(ValueError):
    """A catalogue that cannot be loaded; ``errors`` lists every problem with where it is."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        listed = "\n".join(f"- {error}" for error in errors)
        super().__init__(f"The taxonomy catalogue has {len(errors)} problem(s):\n{listed}")


@dataclass(frozen=True)
class Tier:
    key: str
    title: str
    reporter_heading: str
    description: str


@dataclass(frozen=True)
class CodeSpec:
    code: str
    tier: str
    category: str
    title: str
    definition: str
    prompt: str
    includes: str
    excludes: str
    examples: tuple[str, ...]
    ycff_domain: str


@dataclass(frozen=True)
class Catalogue:
    label: str
    notes: str
    tiers: tuple[Tier, ...]
    codes: tuple[CodeSpec, ...]
    checksum: str

    def tier(self, key: str) -> Tier | None:
        return next((tier for tier in self.tiers if tier.key == key), None)

    def code(self, code_id: str) -> CodeSpec | None:
        return next((code for code in self.codes if code.code == code_id), None)

    def codes_in(self, tier_key: str) -> tuple[CodeSpec, ...]:
        return tuple(code for code in self.codes if code.tier == tier_key)

    def to_data(self) -> dict[str, Any]:
        """The catalogue in its file format, which ``parse_catalogue`` reads back unchanged."""
        return catalogue_data(self.label, self.notes, self.tiers, self.codes)


@dataclass(frozen=True)
class CodeChange:
    """A code kept under the same id whose wording or placing changed."""

    code: str
    kind: Literal["renamed", "revised"]
    fields: tuple[str, ...]
    old: CodeSpec
    new: CodeSpec


@dataclass(frozen=True)
class CatalogueDiff:
    """What the ids say changed between two catalogues, for release notes and code mappings.

    Ids are matched literally: a merge or split shows up as codes removed and added, because
    only an administrator can say which old code became which new one.
    """

    added: tuple[CodeSpec, ...]
    removed: tuple[CodeSpec, ...]
    changed: tuple[CodeChange, ...]
    unchanged: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def default_catalogue_path() -> Path:
    """The social-care taxonomy shipped with LearnHub."""
    return Path(__file__).resolve().parent / "data" / DEFAULT_CATALOGUE_FILE


def load_catalogue_file(path: str | Path) -> Catalogue:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CatalogueInvalid([f"{path}: not UTF-8 text ({error.reason})"]) from error
    return parse_catalogue(text)


def json_of(text: str) -> Any:
    """A taxonomy file's JSON; CatalogueInvalid saying where, if it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        message = f"not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        raise CatalogueInvalid([message]) from error


def parse_catalogue(text: str) -> Catalogue:
    """Read catalogue JSON, raising ``CatalogueInvalid`` with every problem found at once."""
    data = json_of(text)
    if not isinstance(data, dict):
        raise CatalogueInvalid(["top level: must be a JSON object"])

    errors = _unknown_fields(data, TOP_FIELDS, "top level")
    label = _text(data, "label", "top level", errors, max_length=LABEL_MAX)
    notes = _text(data, "notes", "top level", errors, required=False)
    tiers = _parse_tiers(data.get("tiers"), errors)
    codes = _parse_codes(data.get("codes"), {tier.key for tier in tiers}, errors)
    errors.extend(_empty_tiers(tiers, data.get("codes")))
    if errors:
        raise CatalogueInvalid(errors)
    return checked_catalogue(label, notes, tiers, codes)


def checked_catalogue(
    label: str, notes: str, tiers: Sequence[Tier], codes: Sequence[CodeSpec]
) -> Catalogue:
    """A catalogue of parts already checked, with its checksum."""
    checksum = _checksum(catalogue_data(label, notes, tiers, codes))
    return Catalogue(label, notes, tuple(tiers), tuple(codes), checksum)


def catalogue_data(
    label: str, notes: str, tiers: Sequence[Tier], codes: Sequence[CodeSpec]
) -> dict[str, Any]:
    """The file format of a catalogue: what the checksum is taken over."""
    return {
        "label": label,
        "notes": notes,
        "tiers": [_tier_data(tier) for tier in tiers],
        "codes": [_code_data(code) for code in codes],
    }


def diff_catalogues(old: Catalogue, new: Catalogue) -> CatalogueDiff:
    """Compare by id: added, removed, and kept ids whose content changed ("renamed" if the title
    changed, otherwise "revised") or did not."""
    old_codes = {code.code: code for code in old.codes}
    new_codes = {code.code: code for code in new.codes}
    changed: list[CodeChange] = []
    unchanged: list[str] = []
    for code in new.codes:
        before = old_codes.get(code.code)
        if before is None:
            continue
        fields = tuple(
            name for name in COMPARED_FIELDS if getattr(before, name) != getattr(code, name)
        )
        if not fields:
            unchanged.append(code.code)
            continue
        kind: Literal["renamed", "revised"] = "renamed" if "title" in fields else "revised"
        changed.append(CodeChange(code.code, kind, fields, before, code))
    return CatalogueDiff(
        added=tuple(code for code in new.codes if code.code not in old_codes),
        removed=tuple(code for code in old.codes if code.code not in new_codes),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
    )


def _parse_tiers(value: Any, errors: list[str]) -> list[Tier]:
    if not isinstance(value, list) or not value:
        errors.append("tiers: must be a non-empty list")
        return []
    tiers: list[Tier] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        where = f"tiers[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: must be a JSON object")
            continue
        key = item.get("key")
        if isinstance(key, str) and key:
            where = f"{where} ({key})"
        errors.extend(_unknown_fields(item, frozenset(TIER_FIELDS), where))
        fields = {
            name: _text(
                item, name, where, errors, max_length=TIER_KEY_MAX if name == "key" else None
            )
            for name in TIER_FIELDS
        }
        key = fields["key"]
        if key and not TIER_KEY.fullmatch(key):
            errors.append(
                f"{where}: key {key!r} must be lower-case letters, digits and underscores, "
                "starting with a letter"
            )
        if key in seen:
            errors.append(
                f"{where}: key {key!r} is used more than once (also at tiers[{seen[key]}])"
            )
        elif key:
            seen[key] = index
            tiers.append(Tier(**fields))
    return tiers


def _parse_codes(value: Any, tier_keys: set[str], errors: list[str]) -> list[CodeSpec]:
    if not isinstance(value, list) or not value:
        errors.append("codes: must be a non-empty list")
        return []
    return parse_code_items(
        [(f"codes[{index}]", item) for index, item in enumerate(value)], tier_keys, errors
    )


def parse_code_items(
    items: Sequence[tuple[str, Any]], tier_keys: set[str], errors: list[str]
) -> list[CodeSpec]:
    """Each (where, item) checked as a code of the full format; ``where`` names the item in
    messages ("codes[3]", "line 4"). Problems go to ``errors``; the good codes are returned."""
    codes: list[CodeSpec] = []
    seen: dict[str, str] = {}
    for where, item in items:
        code = _parse_code(where, item, tier_keys, errors)
        if code is None:
            continue
        if code.code in seen:
            errors.append(
                f"{where} ({code.code}): code is used more than once (also at {seen[code.code]})"
            )
            continue
        seen[code.code] = where
        codes.append(code)
    return codes


def _parse_code(where: str, item: Any, tier_keys: set[str], errors: list[str]) -> CodeSpec | None:
    if not isinstance(item, dict):
        errors.append(f"{where}: must be a JSON object")
        return None
    code_id = item.get("code")
    if isinstance(code_id, str) and code_id:
        where = f"{where} ({code_id})"
    found_before = len(errors)
    errors.extend(_unknown_fields(item, CODE_FIELDS, where))
    fields = {
        name: _text(item, name, where, errors, max_length=CODE_LIMITS.get(name))
        for name in CODE_TEXT_FIELDS
    }
    optional = {
        name: _text(item, name, where, errors, required=False, max_length=CODE_LIMITS.get(name))
        for name in CODE_OPTIONAL_FIELDS
    }
    examples = _examples(item, where, errors)
    if fields["code"] and not CODE_ID.fullmatch(fields["code"]):
        errors.append(
            f"{where}: code {fields['code']!r} is not a well-formed id (capital-letter parts "
            "joined by hyphens and ending in a number, such as PRE-TECH-1)"
        )
    if fields["tier"] and tier_keys and fields["tier"] not in tier_keys:
        errors.append(
            f"{where}: tier {fields['tier']!r} is not one of the tiers listed "
            f"({', '.join(sorted(tier_keys))})"
        )
    if len(errors) > found_before:
        return None
    return CodeSpec(**fields, **optional, examples=examples)


def _text(
    item: Mapping[str, Any],
    name: str,
    where: str,
    errors: list[str],
    *,
    required: bool = True,
    max_length: int | None = None,
) -> str:
    """The field's text, or "" after recording why it cannot be used."""
    if name not in item:
        if required:
            errors.append(f"{where}: {name} is missing")
        return ""
    value = item[name]
    if not isinstance(value, str):
        errors.append(f"{where}: {name} must be a string")
        return ""
    if required and not value.strip():
        errors.append(f"{where}: {name} is empty")
        return ""
    if max_length is not None and len(value) > max_length:
        errors.append(
            f"{where}: {name} is {len(value)} characters long; at most {max_length} are allowed"
        )
        return ""
    # Titles reach chart labels, feeds and email subjects, which hold one line.
    if name in ONE_LINE_FIELDS and (problem := one_line_problem(name, value)):
        errors.append(f"{where}: {problem}")
        return ""
    return value


def _examples(item: Mapping[str, Any], where: str, errors: list[str]) -> tuple[str, ...]:
    if "examples" not in item:
        errors.append(f"{where}: examples is missing")
        return ()
    value = item["examples"]
    if not isinstance(value, list) or not all(isinstance(example, str) for example in value):
        errors.append(f"{where}: examples must be a list of strings")
        return ()
    for position, example in enumerate(value):
        if not example.strip():
            errors.append(f"{where}: examples[{position}] is empty")
    return tuple(value)


def _unknown_fields(item: Mapping[str, Any], allowed: frozenset[str], where: str) -> list[str]:
    # A misspelt optional field would otherwise vanish without a word.
    return [f"{where}: unknown field {name!r}" for name in item if name not in allowed]


def _empty_tiers(tiers: list[Tier], codes: Any) -> list[str]:
    # The report form shows every tier; one with nothing to tick is a mistake in the file.
    # Checked only when every code names a listed tier, so one mistake is reported once.
    keys = {tier.key for tier in tiers}
    items = codes if isinstance(codes, list) else []
    named = [item.get("tier") if isinstance(item, dict) else None for item in items]
    if not items or not all(tier in keys for tier in named):
        return []
    return [
        f"tiers[{index}] ({tier.key}): no code is in this tier"
        for index, tier in enumerate(tiers)
        if tier.key not in named
    ]


def _tier_data(tier: Tier) -> dict[str, Any]:
    return {name: getattr(tier, name) for name in TIER_FIELDS}


def _code_data(code: CodeSpec) -> dict[str, Any]:
    return {
        "code": code.code,
        "tier": code.tier,
        "category": code.category,
        "title": code.title,
        "definition": code.definition,
        "prompt": code.prompt,
        "includes": code.includes,
        "excludes": code.excludes,
        "examples": list(code.examples),
        "ycff_domain": code.ycff_domain,
    }


def _checksum(data: dict[str, Any]) -> str:
    # Canonical form: layout and key order in the file do not change the checksum; content does.
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
