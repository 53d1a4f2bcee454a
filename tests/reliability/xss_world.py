"""A space where every field a person controls holds a vector of the XSS corpus.

Built through the actions, then through the UI's comment form over real HTTP, so the
stored values are exactly what the product keeps. Each vector goes into every field
once; the screens then show the whole corpus in a handful of page loads: the page
bodies of the corpus (two, as one vector swallows all markup after it), one review
with a decision and comments per vector, a page with a version per vector, and one
page, workflow, change set, space and token named by each vector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from corpora import XSS_VECTORS_FILE
from factories import by, later, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.changesets import do_create_change_set
from signoff.actions.comments import do_post_comment
from signoff.actions.pages import do_create_page, do_edit_page
from signoff.actions.sessions import do_sign_in
from signoff.actions.spaces import do_add_member, do_create_space
from signoff.actions.tokens import do_create_token
from signoff.actions.users import do_create_user
from signoff.actions.workflows import do_assign_workflow, do_create_workflow
from signoff.db.models import (
    ChangeSet,
    Decision,
    Page,
    PageVersion,
    PersonalToken,
    Space,
    User,
    Workflow,
)
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Origin, Role, Rule
from signoff.storage_format.sanitise import sanitise_body
from signoff.web.sessions import SESSION_COOKIE

VECTORS_FILE = XSS_VECTORS_FILE
VECTOR_COUNT = 115
KEY = "XSS"
READERS = ("reader0", "reader1", "reader2")  # the inbox shows 50 mentions at most
CLI = by(None, Origin.cli)


def load_vectors(path: Path = VECTORS_FILE) -> list[str]:
    """One vector a line, kept byte for byte (tabs and quotes are the point); blank
    lines and `#` comment lines, if the file ever has any, are not vectors."""
    lines = path.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    return [line for line in lines if line.strip() and not line.startswith("#")]


def hostile_url(vector: str) -> str:
    """An http URL the change-set form accepts that still carries the vector's
    quotes and brackets (only whitespace is encoded, which a URL may not hold)."""
    return "https://example.test/" + re.sub(r"\s", "%20", vector)


def marker(kind: str, index: int) -> str:
    """Plain text put beside a vector in rich text, to find where it landed."""
    return f"[{kind}{index:03d}]"


@dataclass
class XssWorld:
    """Ids of what was built, and a session (cookie secret, CSRF token) per person."""

    vectors: list[str]
    corpus_id: int = 0
    history_id: int = 0
    body_page_ids: list[int] = field(default_factory=list)
    corpus_set_id: int = 0
    corpus_workflow_id: int = 0
    page_ids: list[int] = field(default_factory=list)
    workflow_ids: list[int] = field(default_factory=list)
    change_set_ids: list[int] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)


def hostile_name(index: int) -> str:
    return f"u{index:03d}"


def body_chunks(vectors: list[str]) -> list[str]:
    """The corpus as page bodies, one vector after the other, marker first; a vector
    whose markup swallows everything after it (an unclosed foreign element) ends its
    body, so every later vector still reaches a page."""
    chunks: list[list[str]] = [[]]
    for index, vector in enumerate(vectors):
        chunks[-1].append(f"<p>{marker('b', index)}</p>\n{vector}")
        if "[end]" not in sanitise_body("\n".join(chunks[-1]) + "<p>[end]</p>"):
            chunks.append([])
    return ["\n".join(chunk) for chunk in chunks if chunk]


def build(db: Database, vectors: list[str]) -> XssWorld:
    world = XssWorld(vectors)
    with db.write() as session:
        people = _people(session, vectors)
        _spaces(session, people, vectors)
    with db.write() as session:
        _pages_and_workflows(session, world, vectors)
    with db.write() as session:
        _reviews(session, world, vectors)
    with db.write() as session:
        _sign_in(session, world)
    return world


def _people(session: Session, vectors: list[str]) -> dict[str, User]:
    names = ["boss", "root", "writer", *READERS]
    people = {
        name: do_create_user(session, name, None, site_admin=name == "root", **CLI)
        for name in names
    }
    for index, vector in enumerate(vectors):
        name = hostile_name(index)
        people[name] = do_create_user(session, name, None, display_name=vector, **CLI)
    return people


def _spaces(session: Session, people: dict[str, User], vectors: list[str]) -> None:
    space = do_create_space(session, KEY, "Hostile input", **CLI)
    do_add_member(session, space, people["boss"], Role.admin, **CLI)
    do_add_member(session, space, people["writer"], Role.editor, **CLI)
    for name in READERS:
        do_add_member(session, space, people[name], Role.viewer, **CLI)
    for index, vector in enumerate(vectors):
        do_add_member(session, space, people[hostile_name(index)], Role.editor, **CLI)
        other = do_create_space(session, f"V{index:03d}", vector, **CLI)
        do_add_member(session, other, people["boss"], Role.admin, **CLI)
        do_create_token(
            session, people["boss"], scopes=["read:page"], name=vector, **CLI
        )


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def _pages_and_workflows(session: Session, world: XssWorld, vectors: list[str]) -> None:
    space = session.scalar(select(Space).where(Space.key == KEY))
    assert space is not None
    boss, writer = _user(session, "boss"), _user(session, "writer")
    hostile = [_user(session, hostile_name(i)) for i in range(len(vectors))]
    first, *rest = body_chunks(vectors)
    corpus = do_create_page(session, space, title="Corpus", body=first, **by(writer))
    world.corpus_id = corpus.id
    world.body_page_ids = [corpus.id] + [
        do_create_page(
            session, space, title=f"Corpus, part {n}", body=body, **by(writer)
        ).id
        for n, body in enumerate(rest, start=2)
    ]
    world.history_id = do_create_page(
        session, space, title="History", body="<p>v1</p>", **by(writer)
    ).id
    review = do_create_workflow(
        session, space, name="Corpus review", steps=[step(*hostile, name="Everyone")],
        **by(boss),
    )  # fmt: skip
    do_assign_workflow(session, review, page_ids=[corpus.id], **by(boss))
    world.corpus_workflow_id = review.id
    for index, vector in enumerate(vectors):
        author = hostile[index]
        page = do_create_page(
            session, space, title=vector, body=f"{marker('b', index)}{vector}",
            **by(author, now=later(1)),
        )  # fmt: skip
        approver = hostile[(index + 1) % len(vectors)]
        workflow = do_create_workflow(
            session, space, name=vector,
            steps=[step(approver, name=vector, rule=Rule.all)], **by(boss),
        )  # fmt: skip
        do_assign_workflow(session, workflow, page_ids=[page.id], **by(boss))
        change_set = do_create_change_set(
            session, space, title=vector, summary=vector,
            reference_url=hostile_url(vector), page_ids=[page.id],
            **by(author, now=later(2)),
        )  # fmt: skip
        world.page_ids.append(page.id)
        world.workflow_ids.append(workflow.id)
        world.change_set_ids.append(change_set.id)
    corpus_set = do_create_change_set(
        session, space, title="Every vector", summary="\n".join(vectors),
        reference_url="https://example.test/corpus",
        page_ids=[corpus.id, *world.page_ids], **by(writer, now=later(2)),
    )  # fmt: skip
    world.corpus_set_id = corpus_set.id


def _reviews(session: Session, world: XssWorld, vectors: list[str]) -> None:
    """Each vector's page goes to review in its own change set; the corpus page gets
    one approval per vector and comments in storage format; a small page gets an
    edit per vector, for the version history."""
    writer = _user(session, "writer")
    for index, set_id in enumerate(world.change_set_ids):
        page = session.get(Page, world.page_ids[index])
        assert page is not None
        do_submit_page(
            session, page, change_set=session.get(ChangeSet, set_id),
            **by(_user(session, hostile_name(index)), now=later(3)),
        )  # fmt: skip
    corpus = session.get(Page, world.corpus_id)
    history = session.get(Page, world.history_id)
    assert corpus is not None and history is not None
    do_submit_page(
        session, corpus, change_set=session.get(ChangeSet, world.corpus_set_id),
        **by(writer, now=later(4)),
    )  # fmt: skip
    for index, vector in enumerate(vectors):
        person = _user(session, hostile_name(index))
        do_record_decision(
            session, corpus, DecisionKind.approve, version=1, comment=vector,
            **by(person, now=later(5)),
        )  # fmt: skip
        do_post_comment(
            session, corpus, body=f"<p>{marker('c', index)}</p>{vector}",
            parent_id=None, **by(person, origin=Origin.api, now=later(6)),
        )  # fmt: skip
        do_edit_page(
            session, history, title=f"History {marker('h', index)} {vector}",
            message=vector, **by(writer, now=later(7)),
        )  # fmt: skip


def _sign_in(session: Session, world: XssWorld) -> None:
    names = ["boss", "root", "writer", *READERS]
    names += [hostile_name(i) for i in range(len(world.vectors))]
    for name in names:
        signed = do_sign_in(session, _user(session, name), **by(None, now=later(8)))
        world.secrets[name] = signed.secret
        world.csrf[name] = signed.session.csrf_token


def comment_in_the_ui(base: str, world: XssWorld) -> None:
    """Each vector's author types it into the comment form of the corpus page and of
    the vector's own page, mentioning a reader, as a person would."""
    for index, vector in enumerate(world.vectors):
        name = hostile_name(index)
        reader = READERS[index % len(READERS)]
        with httpx.Client(
            base_url=base, cookies={SESSION_COOKIE: world.secrets[name]}
        ) as client:
            response = client.post(
                f"/spaces/{KEY}/pages/{world.corpus_id}/comments",
                data={
                    "csrf_token": world.csrf[name],
                    "comment": f"{marker('t', index)} {vector} @{reader}",
                },
            )
            assert response.status_code == 303, response.text[:500]


def stored_values(db: Database, world: XssWorld) -> dict[str, list[str]]:
    """Each field's text as a screen must show it, in corpus order: the stored plain
    text, or the marker beside a vector in rich text."""
    count = len(world.vectors)
    with db.read() as session:
        users = {u.username: u.display_name for u in session.scalars(select(User))}
        workflows = [session.get(Workflow, i) for i in world.workflow_ids]
        sets = [session.get(ChangeSet, i) for i in world.change_set_ids]
        pages = [session.get(Page, i) for i in world.page_ids]
        spaces = session.scalars(
            select(Space.name).where(Space.key != KEY).order_by(Space.key)
        )
        versions = session.scalars(
            select(PageVersion)
            .where(PageVersion.page_id == world.history_id, PageVersion.number > 1)
            .order_by(PageVersion.number)
        ).all()
        decisions = session.scalars(select(Decision.comment).order_by(Decision.id))
        tokens = session.scalars(select(PersonalToken.name).order_by(PersonalToken.id))
        return {
            "display name": [users[hostile_name(i)] for i in range(count)],
            "page title": [p.title for p in pages if p],
            "page body": [marker("b", i) for i in range(count)],
            "storage-format comment": [marker("c", i) for i in range(count)],
            "typed comment with mention": [
                f"{marker('t', i)} {v} @{READERS[i % len(READERS)]}"
                for i, v in enumerate(world.vectors)
            ],
            "review comment": [c or "" for c in decisions],
            "version title": [v.title for v in versions],
            "version message": [v.message for v in versions],
            "workflow name": [w.name for w in workflows if w],
            "step name": [w.steps[0].name for w in workflows if w],
            "change-set title": [c.title for c in sets if c],
            "change-set summary": [c.summary for c in sets if c],
            "change-set reference URL": [c.reference_url or "" for c in sets if c],
            "space name": list(spaces),
            "token name": list(tokens),
        }
