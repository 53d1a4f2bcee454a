"""A real Signoff server on a loopback port, and the `signoff` CLI pointed at it.

The team: alice (site admin, space admin), bob (editor, who runs the pipeline) and
carol (viewer, the approver of the space's default one-step workflow). Each holds a
token with every scope. Tests drive the pipeline client through `build_app()` and
check what happened through the server's own HTTP APIs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner, Result

from factories import by, make_space, make_user, make_workflow, step
from live_server import live_server
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.api.app import create_app
from signoff.auth.scopes import ALL_SCOPES
from signoff.cli.main import build_app
from signoff.config import Settings
from signoff.db.models import User
from signoff.domain.states import Origin, Role

# Keep the developer's own settings out of the tests.
CLEAN_ENV: dict[str, str | None] = dict.fromkeys(
    ("SIGNOFF_URL", "SIGNOFF_TOKEN", "SIGNOFF_DATA_DIR", "SIGNOFF_DATABASE_URL")
)


@dataclass
class Site:
    url: str
    app: FastAPI
    space_key: str
    space_id: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str, *scopes: str) -> str:
        """A further token for `username`, with only these scopes."""
        with self.app.state.db.write() as s:
            user = s.scalars(select(User).where(User.username == username)).one()
            _, secret = do_create_token(s, user, scopes=scopes, **by(None, Origin.cli))
        return str(secret)

    def http(self, who: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=30,
        )

    def get(self, who: str, path: str, **params: Any) -> dict[str, Any]:
        with self.http(who) as client:
            response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def post(self, who: str, path: str, body: dict[str, Any]) -> httpx.Response:
        with self.http(who) as client:
            return client.post(path, json=body)

    def create_page(self, title: str, body: str = "<p>v1</p>") -> str:
        with self.http("bob") as client:
            response = client.post(
                "/wiki/api/v2/pages",
                json={
                    "spaceId": self.space_id,
                    "title": title,
                    "body": {"representation": "storage", "value": body},
                },
            )
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def pages(self) -> dict[str, dict[str, Any]]:
        """Every page of the space by title, with its version number."""
        found: dict[str, dict[str, Any]] = {}
        path: str | None = f"/wiki/api/v2/spaces/{self.space_id}/pages?limit=250"
        while path:
            answer = self.get("alice", path)
            found.update({page["title"]: page for page in answer["results"]})
            path = answer["_links"].get("next")
        return found


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    with app.state.db.write() as s:
        alice = make_user(s, "alice", site_admin=True)
        bob, carol = make_user(s, "bob"), make_user(s, "carol")
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        make_workflow(s, space, alice, [step(carol)], space_default=True)
        do_set_api_enabled(s, True, **by(None, Origin.cli))
        tokens = {
            user.username: do_create_token(
                s, user, scopes=sorted(ALL_SCOPES), **by(None, Origin.cli)
            )[1]
            for user in (alice, bob, carol)
        }
        space_key, space_id = space.key, str(space.id)
    with live_server(app) as base_url:
        yield Site(base_url, app, space_key, space_id, tokens)


def signoff(site: Site | None, *args: str, who: str = "bob") -> Result:
    """`signoff ARGS` in-process, with SIGNOFF_URL and SIGNOFF_TOKEN for `who`."""
    env = dict(CLEAN_ENV)
    if site is not None:
        env |= {"SIGNOFF_URL": site.url, "SIGNOFF_TOKEN": site.tokens[who]}
    return CliRunner().invoke(build_app(), list(args), env=env)


def json_out(result: Result) -> dict[str, Any]:
    """The one JSON object a `--json` command printed on stdout."""
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    value = json.loads(lines[0])
    assert isinstance(value, dict)
    return value


def one_error_line(result: Result) -> str:
    """A failure's stderr: one `error:` line, never a traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]
