"""A running Signoff app that reaches the stand-in Confluence site, for tests that
drive the REST API or the web UI against it.

`connect_app(app, running)` lets the app call the stand-in's port (its allow list,
as `SIGNOFF_CONFLUENCE_ALLOW` would) and connects the site as `acme` through the real
actions, with a bot's classic API token; then `map_account` maps a Confluence account
to a Signoff user, as `signoff confluence user map` does.
"""

from __future__ import annotations

from fastapi import FastAPI

from confluence_site import RunningSite
from factories import by
from signoff.actions.confluence.accounts import do_map_accounts
from signoff.actions.confluence.sites import check_new_site, do_add_site, new_site
from signoff.db.models import ConfluenceSite
from signoff.db.session import Database
from signoff.domain.states import Origin


def connect_app(app: FastAPI, running: RunningSite, *, name: str = "acme") -> int:
    """The stand-in connected to `app` as site `name`; its id."""
    port = running.root.rsplit(":", 1)[1]
    app.state.settings = app.state.settings.model_copy(
        update={"confluence_allow": f"127.0.0.1:{port}"}
    )
    token = running.site.add_api_token(running.site.add_user("Signoff Bot"))
    asked = new_site(name, running.site_url, email=token.email, token=token.token)
    web_base = check_new_site(asked, allow=app.state.settings.confluence_allow_list)
    db: Database = app.state.db
    with db.write() as s:
        row = do_add_site(
            s,
            asked,
            web_base=web_base,
            site_key=app.state.secret_key,
            **by(None, Origin.cli),
        )
        return row.id


def map_account(db: Database, site_id: int, account_id: str, username: str) -> None:
    with db.write() as s:
        site = s.get_one(ConfluenceSite, site_id)
        do_map_accounts(s, site, [(account_id, username)], **by(None, Origin.cli))
