"""The API page for people: the OpenAPI document rendered as a GOV.UK page (no script at all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    anchor: str
    operation: dict[str, Any]
    auth: str
    request_schema: str | None
    responses: list[tuple[str, str, str | None]]  # status, description, schema name


def schema_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "items" in schema:
        inner = schema_name(schema["items"])
        return f"list of {inner}" if inner else "list"
    return None


def type_of(prop: dict[str, Any]) -> str:
    named = schema_name(prop)
    if named:
        return named
    kind = prop.get("type", "any")
    if prop.get("format"):
        kind = f"{kind} ({prop['format']})"
    if prop.get("enum"):
        kind += ": one of " + ", ".join(str(v) for v in prop["enum"] if v is not None)
    if prop.get("nullable"):
        kind += ", or null"
    return kind


def properties(schema: dict[str, Any]) -> list[Property]:
    required = set(schema.get("required", []))
    return [
        Property(name, type_of(prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def auth_text(operation: dict[str, Any], spec: dict[str, Any]) -> str:
    security = operation.get("security", [])
    if not security:
        return "None: open to anyone"
    scheme = next(iter(security[0]))
    if scheme == "receipt":
        return "The receipt code in the X-Receipt header"
    return f"Bearer token of a role with the {operation.get('x-permission')} permission"


def response_rows(
    operation: dict[str, Any], spec: dict[str, Any]
) -> list[tuple[str, str, str | None]]:
    rows = []
    for status, response in operation["responses"].items():
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        content = response.get("content", {})
        schema = next(iter(content.values()), {}).get("schema") if content else None
        rows.append((status, response["description"], schema_name(schema)))
    return rows


def endpoints(spec: dict[str, Any]) -> list[Endpoint]:
    found = []
    for path, operations in spec["paths"].items():
        for method in METHOD_ORDER:
            if method not in operations:
                continue
            operation = operations[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            found.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    anchor=operation["operationId"],
                    operation=operation,
                    auth=auth_text(operation, spec),
                    request_schema=schema_name(body["schema"]) if body else None,
                    responses=response_rows(operation, spec),
                )
            )
    return found


def render_docs(spec: dict[str, Any]) -> str:
    schemas = {name: properties(schema) for name, schema in spec["components"]["schemas"].items()}
    return render_template(
        "api/docs.html", spec=spec, endpoints=endpoints(spec), schemas=sorted(schemas.items())
    )
