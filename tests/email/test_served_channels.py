"""Both channels through `signoff serve`'s own worker: a submission over the real
server reaches a real SMTP server on loopback as email and a webhook receiver on
loopback as a signed delivery, with nobody running `signoff worker`."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from mailserver import MailServer

from factories import by, make_page, make_space, make_user, make_workflow, step
from live_server import live_server
from notify.servers import Receiver
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.actions.webhooks import do_create_webhook
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.states import Origin, Role
from signoff.outbound.url_policy import AllowList


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_submission_over_http_is_mailed_and_posted_by_the_servers_worker(
    sqlite_template: Path, tmp_path: Path
) -> None:
    mail, receiver = MailServer().start(), Receiver()
    try:
        shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
        allow = f"127.0.0.1:{receiver.port}"
        app = create_app(
            Settings(
                data_dir=tmp_path / "data",
                database_url=f"sqlite:///{tmp_path / 'signoff.db'}",
                base_url="https://signoff.example.com",
                mail_from="Signoff <signoff@example.com>",
                smtp_url=f"smtp://127.0.0.1:{mail.port}",
                run_worker=True,
                webhook_allow=allow,
            )
        )
        with app.state.db.write() as session:
            admin, editor = make_user(session, "admin"), make_user(session, "ed")
            approver = make_user(session, "approver")
            approver.email = "approver@example.com"
            space = make_space(
                session,
                "DOCS",
                admin=admin,
                members={editor: Role.editor, approver: Role.viewer},
            )
            page = make_page(session, space, editor, title="Policy")
            make_workflow(session, space, admin, [step(approver)], space_default=True)
            do_create_webhook(
                session,
                space,
                url=f"http://{allow}/hook",
                events=["approval.submitted"],
                allow=AllowList.parse(allow),
                **by(admin),
            )
            do_set_api_enabled(session, True, **by(None, Origin.cli))
            _, token = do_create_token(
                session, editor, scopes=["write:approval"], **by(None, Origin.cli)
            )
            page_id = page.id
        with live_server(app) as base_url:
            answer = httpx.post(
                f"{base_url}/api/v1/pages/submit",
                headers={"Authorization": f"Bearer {token}"},
                json={"pageId": str(page_id)},
            )
            assert answer.status_code in (200, 201), answer.text
            wait_for(lambda: bool(mail.mailbox.received and receiver.requests))
        (sent,) = mail.mailbox.to("approver@example.com")
        assert sent["Subject"] == "[DOCS] Approval requested: Policy (version 1)"
        link = f"https://signoff.example.com/spaces/DOCS/pages/{page_id}"
        assert link in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        (posted,) = receiver.requests
        body = json.loads(posted.body)
        assert (body["event"], body["data"]["origin"]) == ("approval.submitted", "api")
        assert posted.headers["X-Signoff-Signature"]
    finally:
        receiver.close()
        mail.stop()
