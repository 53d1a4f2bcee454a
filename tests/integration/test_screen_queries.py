"""The reads the web UI's screens call instead of running SQL in their handlers.

Each is checked on SQLite and PostgreSQL through real actions: the OAuth grants of the
account page, the browser session behind a cookie, the workflow screens' page counts
and pickers, the approval queue's filter choices and the audit trail's page titles.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from factories import (
    AT,
    by,
    later,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.oauth import do_register_client, store_token
from signoff.actions.pages import do_create_page
from signoff.actions.sessions import do_sign_in, do_sign_out
from signoff.db.models import OAuthClient, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.domain.states import Origin, Role
from signoff.queries.audit_view import page_titles
from signoff.queries.grants import GrantView, get_oauth_client, list_live_grants
from signoff.queries.queue_filters import (
    list_change_set_choices,
    list_workflow_choices,
    submitter_id,
)
from signoff.queries.sessions import get_web_session
from signoff.queries.store import list_page_choices
from signoff.queries.workflows import (
    PageWorkflow,
    count_pages_by_workflow,
    list_pages_with_workflows,
    list_space_workflows,
)

NOW = later(120)  # past every access token below; refresh tokens last


def _client(session: Session, name: str) -> OAuthClient:
    client, _secret = do_register_client(
        session,
        name=name,
        redirect_uris=[f"https://{name.lower()}.example/cb"],
        scopes=["read:page", "read:audit", "read:approval"],
        **by(None, Origin.cli),
    )
    return client


def _token(
    session: Session,
    client: OAuthClient,
    user: User,
    scope: str,
    *,
    issued: int,
    refresh_days: int | None = 30,
) -> None:
    """A token issued `issued` minutes after AT (its access lasts an hour), whose
    refresh token lasts `refresh_days`, or cannot refresh at all when None."""
    at = later(issued)
    store_token(
        session,
        client=client,
        user_id=user.id,
        scope=scope,
        family=f"{client.name}-{user.username}-{issued}",
        code_id=None,
        access_token=f"access-{client.name}-{user.username}-{issued}",
        refresh_token=f"refresh-{client.name}-{user.username}-{issued}",
        refresh_expires_at=None
        if refresh_days is None
        else at + timedelta(refresh_days),
        now=at,
    )


def test_live_grants_are_one_row_per_application_with_its_live_scopes(
    db: Database,
) -> None:
    with db.write() as session:
        ann, bob = make_user(session, "ann"), make_user(session, "bob")
        zed, bot = _client(session, "Zed"), _client(session, "Bot")
        _token(session, bot, ann, "read:page", issued=10)
        _token(session, bot, ann, "read:audit read:page", issued=20)
        _token(session, bot, ann, "read:approval", issued=0, refresh_days=None)
        _token(session, zed, ann, "read:page", issued=5, refresh_days=None)
        _token(session, bot, bob, "read:approval", issued=30)
        ann_id, bot_client_id = ann.id, bot.client_id
    with db.read() as session:
        early = list_live_grants(session, ann_id, later(15))
        grants = list_live_grants(session, ann_id, NOW)
        found = get_oauth_client(session, bot_client_id)
    # A quarter of an hour in, every token's access still works.
    everything = ("read:approval", "read:audit", "read:page")
    assert [(g.name, g.scopes, g.since) for g in early] == [
        ("Bot", everything, later(0)),
        ("Zed", ("read:page",), later(5)),
    ]
    # By NOW every access token has expired: Zed's only token cannot refresh, so Zed
    # is gone; Bot lives on through its refresh tokens, and only their scopes and
    # times count. Bob's token is his, not Ann's.
    assert grants == [
        GrantView(bot_client_id, "Bot", ("read:audit", "read:page"), later(10))
    ]
    assert found is not None and found.name == "Bot"


def test_an_unknown_oauth_client_id_is_none(db: Database) -> None:
    with db.read() as session:
        assert get_oauth_client(session, "no-such-client") is None


def test_a_web_session_is_found_by_its_secret_and_by_nothing_else(
    db: Database,
) -> None:
    with db.write() as session:
        ann = make_user(session, "ann")
        signed_in = do_sign_in(session, ann, **by(None, now=AT))
        secret, session_id = signed_in.secret, signed_in.session.id
    with db.read() as session:
        found = get_web_session(session, secret)
        assert found is not None and found.id == session_id
        assert get_web_session(session, secret[:-1]) is None
        assert get_web_session(session, "") is None
    with db.write() as session:
        row = get_web_session(session, secret)
        assert row is not None
        do_sign_out(session, row, **by(None, now=AT))
    with db.read() as session:
        assert get_web_session(session, secret) is None


def test_the_workflow_screens_count_and_name_each_pages_own_workflow(
    db: Database,
) -> None:
    with db.write() as session:
        admin = make_user(session, "admin")
        docs = make_space(session, "DOCS", admin=admin)
        ops = make_space(session, "OPS", admin=admin)
        beta, alpha, gamma = (
            make_page(session, docs, admin, title=title)
            for title in ("Beta", "Alpha", "Gamma")
        )
        make_page(session, ops, admin, title="Elsewhere")
        legal = make_workflow(
            session, docs, admin, [step(admin)], name="Legal", pages=[alpha, beta]
        )
        quick = make_workflow(
            session, docs, admin, [step(admin)], name="Quick", space_default=True
        )
        make_workflow(session, ops, admin, [step(admin)], name="Ops", pages=[])
        ids = (docs.id, legal.id, quick.id, alpha.id, beta.id, gamma.id)
    docs_id, legal_id, quick_id, alpha_id, beta_id, gamma_id = ids
    with db.read() as session:
        workflows = list_space_workflows(session, docs_id)
        assert [(w.name, len(w.steps)) for w in workflows] == [
            ("Legal", 1),
            ("Quick", 1),
        ]
        # The space default is no assignment of its own: Quick counts no page.
        assert count_pages_by_workflow(session, docs_id) == {legal_id: 2}
        assert quick_id not in count_pages_by_workflow(session, docs_id)
        assert list_pages_with_workflows(session, docs_id) == [
            PageWorkflow(alpha_id, "Alpha", "Legal", str(alpha_id)),
            PageWorkflow(beta_id, "Beta", "Legal", str(beta_id)),
            PageWorkflow(gamma_id, "Gamma", None, str(gamma_id)),
        ]
        assert list_page_choices(session, docs_id) == [
            (str(alpha_id), "Alpha"),
            (str(beta_id), "Beta"),
            (str(gamma_id), "Gamma"),
        ]


def test_queue_filter_choices_stay_inside_the_spaces_given(db: Database) -> None:
    with db.write() as session:
        admin, editor = make_user(session, "admin"), make_user(session, "editor")
        docs = make_space(session, "DOCS", admin=admin, members={editor: Role.editor})
        ops = make_space(session, "OPS", admin=admin)
        page = make_page(session, docs, editor)
        other = do_create_page(
            session, ops, title="Runbook", body="<p>x</p>", **by(admin)
        )
        make_workflow(session, docs, admin, [step(admin)], name="Standard")
        make_workflow(session, docs, admin, [step(admin)], name="Legal")
        make_workflow(session, ops, admin, [step(admin)], name="Ops only")
        first = make_change_set(session, docs, editor, [page], title="First")
        second = make_change_set(session, docs, editor, [page], title="Second")
        make_change_set(session, ops, admin, [other], title="Ops set")
        docs_id, editor_id = docs.id, editor.id
        set_ids = (first.id, second.id)
    with db.read() as session:
        workflows = list_workflow_choices(session, [docs_id])
        assert [name for _id, name in workflows] == ["Legal", "Standard"]
        assert list_change_set_choices(session, [docs_id]) == [
            (set_ids[1], "Second"),
            (set_ids[0], "First"),
        ]
        assert list_workflow_choices(session, []) == []
        assert submitter_id(session, "editor") == editor_id
        with pytest.raises(BadInput, match="No user is called 'nobody'"):
            submitter_id(session, "nobody")


def test_page_titles_name_only_the_pages_asked_for(db: Database) -> None:
    with db.write() as session:
        admin = make_user(session, "admin")
        docs = make_space(session, "DOCS", admin=admin)
        one, two = (
            make_page(session, docs, admin, "One"),
            make_page(session, docs, admin, "Two"),
        )
        ids = (one.id, two.id)
    with db.read() as session:
        assert page_titles(session, {ids[0]}) == {ids[0]: "One"}
        assert page_titles(session, {*ids, 999_999}) == {ids[0]: "One", ids[1]: "Two"}
        assert page_titles(session, set()) == {}
