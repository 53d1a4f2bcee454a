"""A stand-in Confluence site on loopback for the `signoff confluence` commands, and
the environment a command needs to reach it (the allow-list entry for its port, a
fixed site key, the token in a variable)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import Result

from cli.support import signoff
from confluence_site import ConfluenceSite, RunningSite, run_site
from confluence_site.records import ApiToken, Space, User

TOKEN_VAR = "CONFLUENCE_TOKEN"


@dataclass
class Remote:
    """The stand-in, its bot's classic API token, its DOCS space and one author."""

    running: RunningSite
    bot: User
    token: ApiToken
    docs: Space
    author: User
    env: dict[str, str] = field(default_factory=dict)

    @property
    def site(self) -> ConfluenceSite:
        return self.running.site


@pytest.fixture
def remote() -> Iterator[Remote]:
    site = ConfluenceSite()
    bot = site.add_user("Signoff Bot")
    token = site.add_api_token(bot)
    docs = site.add_space("DOCS", "Documentation")
    author = site.add_user("Ada Lovelace")
    with run_site(site) as running:
        port = running.root.rsplit(":", 1)[1]
        env = {
            "SIGNOFF_CONFLUENCE_ALLOW": f"127.0.0.1:{port}",
            "SIGNOFF_SECRET_KEY": "cli-test-site-key-for-confluence",
            TOKEN_VAR: token.token,
        }
        yield Remote(running, bot, token, docs, author, env)


@dataclass
class Cli:
    """`signoff confluence ...` against the test database, reaching the stand-in."""

    db_url: str
    data_dir: Path
    remote: Remote

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return signoff(
            self.db_url,
            self.data_dir,
            "confluence",
            *args,
            env={**self.remote.env, **(env or {})},
        )

    def connect(self) -> Result:
        """`site add` of the stand-in as `acme`, with the bot's classic token."""
        result = self(
            "site",
            "add",
            "--name",
            "acme",
            "--url",
            self.remote.running.site_url,
            "--email",
            self.remote.token.email,
            "--token-env",
            TOKEN_VAR,
        )
        assert result.exit_code == 0, result.output
        return result

    def link(self) -> Result:
        """The stand-in's DOCS space governed in the Signoff space DOCS."""
        self.connect()
        result = self(
            "space", "link", "--site", "acme", "--confluence-space", "DOCS",
            "--space", "DOCS",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def cli(db_url: str, tmp_path: Path, remote: Remote) -> Cli:
    return Cli(db_url, tmp_path / "data", remote)
