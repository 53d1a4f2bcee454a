"""Cut the operations the Confluence stand-in serves out of Atlassian's v2 document.

The tests validate the stand-in's answers against this subset, so they never read
anything outside the repository. Run it with the path of the full OpenAPI document:
`python scripts/extract_confluence_openapi.py FULL.json` rewrites
tests/data/confluence/openapi-subset.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "confluence" / "openapi-subset.json"

# (path, method) as the document spells them; the stand-in serves each one.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/spaces", "get"),
    ("/spaces/{id}", "get"),
    ("/spaces/{id}/pages", "get"),
    ("/pages", "get"),
    ("/pages/{id}", "get"),
    ("/pages/{id}/versions", "get"),
    ("/pages/{page-id}/versions/{version-number}", "get"),
    ("/pages/{id}/footer-comments", "get"),
    ("/footer-comments", "post"),
    ("/footer-comments/{comment-id}", "get"),
    ("/footer-comments/{id}/children", "get"),
    ("/pages/{page-id}/properties", "get"),
    ("/pages/{page-id}/properties", "post"),
    ("/pages/{page-id}/properties/{property-id}", "get"),
    ("/pages/{page-id}/properties/{property-id}", "put"),
    ("/pages/{page-id}/properties/{property-id}", "delete"),
    ("/pages/{id}/labels", "get"),
    ("/users-bulk", "post"),
)

# What an operation keeps: its contract, not its prose.
KEPT_OPERATION_FIELDS = (
    "operationId",
    "summary",
    "parameters",
    "requestBody",
    "responses",
    "security",
    "x-atlassian-oauth2-scopes",
)


def extract(document: dict[str, Any], source_sha256: str) -> dict[str, Any]:
    """The subset: the chosen operations and every component they reach by $ref."""
    paths: dict[str, dict[str, Any]] = {}
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        kept = {k: operation[k] for k in KEPT_OPERATION_FIELDS if k in operation}
        paths.setdefault(path, {})[method] = kept
    components: dict[str, dict[str, Any]] = {}
    pending = sorted(_refs(paths))
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        section, name = _split_ref(ref)
        target = document["components"][section][name]
        components.setdefault(section, {})[name] = target
        pending.extend(sorted(_refs(target) - seen))
    return {
        "openapi": document["openapi"],
        "info": {
            "title": document["info"]["title"],
            "version": document["info"]["version"],
        },
        "servers": document["servers"],
        "x-extracted": {
            "sourceSha256": source_sha256,
            "operations": [f"{m.upper()} {p}" for p, m in OPERATIONS],
        },
        "paths": paths,
        "components": {
            section: dict(sorted(items.items()))
            for section, items in sorted(components.items())
        },
    }


def _refs(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value)
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _split_ref(ref: str) -> tuple[str, str]:
    prefix = "#/components/"
    if not ref.startswith(prefix):
        raise ValueError(f"only local component references are expected: {ref}")
    section, name = ref[len(prefix) :].split("/", 1)
    return section, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("document", type=Path, help="the full OpenAPI v2 document")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    raw = args.document.read_bytes()
    subset = extract(json.loads(raw), hashlib.sha256(raw).hexdigest())
    text = json.dumps(subset, indent=1, sort_keys=False, ensure_ascii=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
