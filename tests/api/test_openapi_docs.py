"""`/openapi.json` documents every `/api/v1` operation: a summary, the success shape
with a valid example, and each error status in the error envelope, which every
refusal under `/api/v1/` wears, even one FastAPI itself raises."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from signoff.api.v1 import responses, webhooks
from signoff.api.v1.responses import ApiModel

from .helpers import refused
from .support import AppClient, Team

# Response models live in `responses`, or beside their routes (webhooks).
MODELS = [
    model
    for module in (responses, webhooks)
    for _, model in inspect.getmembers(module, inspect.isclass)
    if issubclass(model, ApiModel)
    and model.__module__ == module.__name__
    and model.__dict__.get("example") is not None
]
ERROR_REF = "#/components/schemas/ErrorBody"


def _operations(api: AppClient) -> list[tuple[str, dict[str, Any]]]:
    document = api.get("/openapi.json").json()
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_example_is_valid_against_its_model(model: type[ApiModel]) -> None:
    model.model_validate(model.example)


def test_every_operation_is_documented(api: AppClient) -> None:
    operations = _operations(api)
    assert len(operations) >= 26
    by_name = {model.__name__: model for model in MODELS}
    for name, operation in operations:
        assert operation.get("summary"), name
        documented = operation["responses"]
        for status in ("401", "403", "429"):
            schema = documented[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (name, status)
        assert "Retry-After" in documented["429"]["headers"]
        success = documented["200"]["content"]
        if "application/json" not in success:  # the streamed export
            assert set(success) == {"text/csv", "application/x-ndjson"}
            continue
        model_name = success["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert model_name in by_name, f"{name}: {model_name} clashes with another model"
        by_name[model_name].model_validate(success["application/json"]["example"])
        if name.startswith("POST"):
            assert "400" in documented, name
        if "422" in documented:
            schema = documented["422"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, name


def test_an_unreadable_body_is_refused_in_the_envelope(
    api: AppClient, team: Team
) -> None:
    response = api.post(
        "/api/v1/spaces",
        token=team.tokens["alice"],
        content=b'{"key": "\xff"}',
        headers={"Content-Type": "application/json"},
    )
    refused(response, 400, "There was an error parsing the body")


def test_unknown_paths_and_methods_answer_in_the_envelope(
    api: AppClient, team: Team
) -> None:
    refused(api.get("/api/v1/nothing", token=team.tokens["alice"]), 404, "Not Found")
    refused(
        api.get("/api/v1/workflows/assign", token=team.tokens["alice"]),
        405,
        "Method Not Allowed",
    )
