"""Holding the stand-in's answers against Atlassian's REST v2 document (the extracted
subset in tests/data/confluence) and, where that document is silent, against the
small v1 and error shapes kept beside it.

OpenAPI 3.0 schemas are turned into JSON Schema first: `nullable: true`, or a
description that itself says the field may be null, admits null.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from jsonschema import Draft4Validator, Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

DATA = Path(__file__).resolve().parents[1] / "data" / "confluence"
SUBSET: dict[str, Any] = json.loads((DATA / "openapi-subset.json").read_text("utf-8"))
SHAPES: dict[str, Any] = json.loads((DATA / "v1-shapes.json").read_text("utf-8"))
SUBSET_URI = "urn:confluence-cloud-rest-v2-subset"
CONFLUENCE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SAYS_NULL = re.compile(r"\bnull\b", re.IGNORECASE)
# Fields real answers carry that the document does not declare (contract §2.1).
TOLERATED_EXTRAS = frozenset({"ncsStepVersion", "edituiv2"})


def _as_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _as_json_schema(v) for k, v in node.items()}
    description = node.get("description")
    says_null = isinstance(description, str) and bool(SAYS_NULL.search(description))
    if node.get("nullable") is True or (says_null and "type" in node):
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
        if isinstance(converted.get("enum"), list):
            converted["enum"] = [*converted["enum"], None]
    converted.pop("nullable", None)
    return converted


REGISTRY: Registry[Any] = Registry().with_resource(
    SUBSET_URI, DRAFT4.create_resource(_as_json_schema(SUBSET))
)


def operation(spec: str) -> dict[str, Any]:
    """`"GET /pages/{id}"` -> that operation in the subset."""
    method, path = spec.split(" ", 1)
    found: dict[str, Any] = SUBSET["paths"][path][method.lower()]
    return found


def assert_conforms(spec: str, response: httpx.Response) -> Any:
    """The status is one the document lists for the operation, and a JSON body
    validates against its schema, declares every field it sends (bar the tolerated
    extras) and writes times as Confluence does. Returns the body."""
    method, path = spec.split(" ", 1)
    status = str(response.status_code)
    responses = operation(spec)["responses"]
    assert status in responses, f"{spec} does not document {status}"
    content = responses[status].get("content") or {}
    if "application/json" not in content:
        return None
    body = response.json()
    steps = ["paths", _escape(path), method.lower(), "responses", status, "content"]
    pointer = "/".join(["#", *steps, "application~1json", "schema"])
    validator = Draft4Validator(
        {"$ref": SUBSET_URI + quote(pointer, safe="#/~")}, registry=REGISTRY
    )
    validator.validate(body)
    schema = content["application/json"]["schema"]
    extras = undeclared_fields(body, schema)
    assert not extras, f"{spec} answered fields it does not declare: {extras}"
    assert_confluence_times(body)
    return body


def assert_shape(name: str, body: Any) -> None:
    """Validates `body` against one of the kept shapes (`v1User`, `v2Error`, ...)."""
    schema = copy.deepcopy(SHAPES)
    schema["$ref"] = f"#/$defs/{name}"
    Draft202012Validator(schema).validate(body)


def assert_v2_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_shape("v2Error", body)
    assert body["errors"][0]["status"] == status, body
    return body


def assert_v1_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_shape("v1Error", body)
    assert body["statusCode"] == status, body
    return body


def undeclared_fields(body: Any, schema: Any, where: str = "$") -> list[str]:
    """Paths of object keys the document's schema does not declare."""
    schema = _resolve(schema)
    if isinstance(body, list):
        items = schema.get("items", {})
        return [
            m
            for i, v in enumerate(body)
            for m in undeclared_fields(v, items, f"{where}[{i}]")
        ]
    if not isinstance(body, dict):
        return []
    declared = _properties(schema)
    if not declared:
        return []  # a free-form object (a property's value)
    missing: list[str] = []
    for key, value in body.items():
        if key not in declared:
            if key not in TOLERATED_EXTRAS:
                missing.append(f"{where}.{key}")
            continue
        missing += undeclared_fields(value, declared[key], f"{where}.{key}")
    return missing


def assert_confluence_times(body: Any) -> None:
    if isinstance(body, list):
        for item in body:
            assert_confluence_times(item)
    elif isinstance(body, dict):
        for key, value in body.items():
            if key == "createdAt":
                assert CONFLUENCE_TIME.match(value), f"createdAt {value!r}"
            assert_confluence_times(value)


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for branch in [schema, *schema.get("allOf", []), *schema.get("oneOf", [])]:
        resolved = _resolve(branch)
        if resolved is not schema and resolved.get("allOf"):
            declared |= _properties(resolved)
        for key, sub in resolved.get("properties", {}).items():
            declared[key] = _merge(declared.get(key), sub)
    return declared


def _merge(first: Any, second: Any) -> Any:
    """A key declared in two allOf branches (as `_links`) has both sets of fields."""
    if first is None:
        return second
    return {"allOf": [first, second]}


def _resolve(schema: Any) -> dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        section, name = schema["$ref"].removeprefix("#/components/").split("/", 1)
        schema = SUBSET["components"][section][name]
    return schema if isinstance(schema, dict) else {}


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")
