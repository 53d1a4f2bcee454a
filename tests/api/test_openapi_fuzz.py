"""Fuzzing the API from its own OpenAPI document, over a real loopback server.

Schemathesis generates requests for every `/api/v1` and `/wiki/api/v2` operation
from the published schema, sends them with a token holding every scope, and checks
each response: never a server error, always a documented status, content type and
body shape.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from live_server import live_server
from reliability.figures import record, repetitions
from signoff.api.app import create_app
from signoff.config import Settings

from .support import AppClient, Team

EXAMPLES_PER_OPERATION = repetitions(50, 500)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def served(api: AppClient, team: Team) -> Iterator[tuple[str, Team]]:
    with live_server(api.app, lifespan=False) as base_url:
        yield base_url, team


def _published_schema() -> dict[str, Any]:
    """The OpenAPI document as the app publishes it (building it needs no database)."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir), database_url="sqlite://"))
        document = app.openapi()
        app.state.db.dispose()
    return document


schema = schemathesis.openapi.from_dict(_published_schema()).include(
    path_regex=r"^/(api/v1|wiki/api/v2)/"
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(
    case: Any, served: tuple[str, Team]
) -> None:
    base_url, team = served
    record("fuzz examples", 1)
    case.call_and_validate(
        base_url=base_url,
        headers={"Authorization": f"Bearer {team.tokens['alice']}"},
        checks=CHECKS,
    )
