"""The worker inside the web server: an approval made over HTTP reaches a webhook
receiver without anyone running `signoff worker`, and the server stops cleanly."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from factories import by, make_page, make_space, make_user, make_workflow, step
from live_server import live_server
from signoff.actions.approvals import do_submit_page
from signoff.actions.webhooks import do_create_webhook
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.states import Origin, Role
from signoff.outbound.url_policy import AllowList

from .servers import Receiver


def test_the_server_delivers_its_own_outbox(
    sqlite_template: Path, tmp_path: Path
) -> None:
    receiver = Receiver()
    try:
        shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
        allow = f"127.0.0.1:{receiver.port}"
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=f"sqlite:///{tmp_path / 'signoff.db'}",
            run_worker=True,
            webhook_allow=allow,
        )
        app = create_app(settings)
        with live_server(app):
            assert app.state.outbox_worker.running
            with app.state.db.write() as session:
                admin, editor = make_user(session, "admin"), make_user(session, "ed")
                space = make_space(session, admin=admin, members={editor: Role.editor})
                page = make_page(session, space, editor, title="Policy")
                make_workflow(session, space, admin, [step(admin)], space_default=True)
                do_create_webhook(
                    session,
                    space,
                    url=f"http://{allow}/ok",
                    events=["approval.submitted"],
                    allow=AllowList.parse(allow),
                    **by(admin),
                )
                do_submit_page(session, page, **by(editor, Origin.api))
            deadline = time.monotonic() + 20
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            worker = app.state.outbox_worker
        assert not worker.running  # stopped with the server
        (request,) = receiver.requests
        body = json.loads(request.body)
        assert body["event"] == "approval.submitted"
        assert body["data"]["origin"] == "api"
    finally:
        receiver.close()
