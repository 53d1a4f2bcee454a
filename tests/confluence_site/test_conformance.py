"""The stand-in against the extracted document as a whole: it serves what the
document names, reads only parameters the document declares, asks for the scopes
the document gives, and the validator itself refuses what Confluence would not send.
"""

from __future__ import annotations

import re

import pytest
from jsonschema import ValidationError

from confluence_site.calls import OPERATIONS, Operation
from confluence_site.conformance import SUBSET, assert_conforms, operation

V2_OPERATIONS = [op for op in OPERATIONS if op.spec is not None]


def test_the_stand_in_serves_every_operation_the_subset_holds() -> None:
    served = sorted(op.spec for op in V2_OPERATIONS if op.spec)
    assert served == sorted(SUBSET["x-extracted"]["operations"])


@pytest.mark.parametrize("op", V2_OPERATIONS, ids=lambda op: op.spec)
def test_every_query_parameter_the_stand_in_reads_is_documented(op: Operation) -> None:
    assert op.spec is not None
    declared = {
        p["name"]
        for p in operation(op.spec).get("parameters", [])
        if p["in"] == "query"
    }
    assert op.params <= declared


@pytest.mark.parametrize("op", V2_OPERATIONS, ids=lambda op: op.spec)
def test_the_stand_in_asks_for_the_scopes_the_document_names(op: Operation) -> None:
    assert op.spec is not None
    documented = {
        frozenset(entry["scopes"])
        for entry in operation(op.spec)["x-atlassian-oauth2-scopes"]
        if entry["state"] == "Current"
    }
    assert set(op.scopes) == documented


@pytest.mark.parametrize("op", V2_OPERATIONS, ids=lambda op: op.spec)
def test_path_parameters_match_the_document(op: Operation) -> None:
    assert op.spec is not None
    documented = re.sub(
        r"\{[^}]+\}", lambda m: m.group().replace("-", "_"), op.spec.split(" ", 1)[1]
    )
    assert op.path == "/api/v2" + documented


def test_the_validator_refuses_a_numeric_id() -> None:
    class Forged:
        status_code = 200

        @staticmethod
        def json() -> object:
            return {"id": 42, "title": "forged"}

    with pytest.raises(ValidationError):
        assert_conforms("GET /pages/{id}", Forged())  # type: ignore[arg-type]


def test_the_validator_refuses_an_undocumented_field() -> None:
    class Forged:
        status_code = 200

        @staticmethod
        def json() -> object:
            return {"id": "42", "approvalState": "approved"}

    with pytest.raises(AssertionError, match="approvalState"):
        assert_conforms("GET /pages/{id}", Forged())  # type: ignore[arg-type]
