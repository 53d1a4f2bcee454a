"""A model-based test: random programs of edits, reviews and change sets, run through
the real REST API and page store on both databases and checked against `model.py`.

Each rule predicts the status code and the audit actions the product must answer
with. After every rule, each page's status, each change set's detail and the space's
audit chain must agree with the model, and the product's own answer must show that
its verdicts were earned: enough distinct named approvers, never the submitter or an
author of the content under review, each on the version under review (or one with the
same content).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.orm import Session

from api.support import AppClient
from audit_helpers import actions_since, last_event_id
from factories import by, make_space, make_user, make_workflow, step
from reliability.figures import record, repetitions
from reliability.model import (
    APPROVE,
    REJECT,
    ROLES,
    WORKFLOWS,
    ChangeSetModel,
    PageModel,
    Refusal,
    Version,
    WorkflowDef,
    rollup,
    same_content,
)
from signoff.actions.audit import chain_for
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.api.app import create_app
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.changesets import change_set_detail_out
from signoff.api.v1.shapes.pages import page_status_out
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.models import AuditChainHead, ChangeSet, Page, User
from signoff.db.session import Database
from signoff.domain.preflight import BLOCKER_TEXT, Blocker
from signoff.domain.states import Origin, Role, Rule, StaleOn
from signoff.queries.audit import verify_audit_chains
from signoff.queries.changesets import change_set_detail
from signoff.queries.queue import list_queue, queue_counts
from signoff.queries.status import page_status

API, WIKI = "/api/v1", "/wiki/api/v2"
USERS = tuple(ROLES)
EDITORS = ("ed", "rae", "ann")
BODIES = ("<p>alpha</p>", "<p>beta</p>", "<p>gamma</p>")  # few, so content recurs
MAX_PAGES, MAX_SETS = 3, 2
# (field, value, whether the product accepts it)
CONTEXT_CHANGES = (
    ("title", "Release notes", True),
    ("title", "   ", False),
    ("summary", "Pages for release 2.1", True),
    ("summary", "", True),
    ("referenceUrl", "https://git.example.com/pr/7", True),
    ("referenceUrl", None, True),
    ("referenceUrl", "javascript:alert(1)", False),
    ("referenceUrl", "ftp://files.example.com/notes", False),
)
MODEL_FIELD = {"title": "title", "summary": "summary", "referenceUrl": "reference_url"}

SETTINGS = settings(
    max_examples=repetitions(25, 200),
    stateful_step_count=repetitions(20, 50),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class World:
    """One app and database for every example of a run; each example works in a
    space of its own, far cheaper than a database of its own on PostgreSQL."""

    api: AppClient
    db: Database
    ids: dict[str, int]
    accounts: dict[str, str]
    tokens: dict[str, str]
    space_numbers: Iterator[int]
    rules_run: int = 0


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    # A run makes thousands of calls a minute with a handful of tokens.
    app = create_app(
        Settings(data_dir=tmp_path, database_url=db_url, rate_limit_per_minute=10**7)
    )
    api = AppClient(app)
    db: Database = app.state.db
    with db.write() as s:
        users = {
            name: make_user(s, name, site_admin=role == "admin")
            for name, role in ROLES.items()
        }
        do_set_api_enabled(s, True, **by(None, Origin.cli))
        tokens = {
            name: do_create_token(
                s, user, scopes=sorted(ALL_SCOPES), **by(None, Origin.cli)
            )[1]
            for name, user in users.items()
        }
        ids = {name: user.id for name, user in users.items()}
        accounts = {name: user.account_id for name, user in users.items()}
    yield World(api, db, ids, accounts, tokens, itertools.count(1))
    api.close()


RuleMethod = TypeVar("RuleMethod", bound=Callable[..., Any])


def counted(method: RuleMethod) -> RuleMethod:
    """Count each rule run for the `state machine steps` figure."""

    @functools.wraps(method)
    def run(machine: ReviewMachine, **arguments: Any) -> Any:
        machine.world.rules_run += 1
        return method(machine, **arguments)

    return run  # type: ignore[return-value]


def refusal_text(refusal: tuple[Refusal, str]) -> str:
    """The sentence the product gives for a refusal the model predicts."""
    reason, step_name = refusal
    text = BLOCKER_TEXT[Blocker(reason.value)]
    return f"{text} for step '{step_name}'" if step_name else text


def storage(body: str) -> dict[str, str]:
    return {"representation": "storage", "value": body}


class ReviewMachine(RuleBasedStateMachine):
    pages = Bundle("pages")
    change_sets = Bundle("change_sets")

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.page_models: dict[int, PageModel] = {}
        self.set_models: dict[int, ChangeSetModel] = {}
        self.seen_versions: dict[int, int] = {}
        # What the last rule changed is read back through the REST API; everything
        # is also read through the read models the routes render, in one
        # transaction (an HTTP round trip per object per step would triple the run).
        self.touched_pages: set[int] = set()
        self.touched_sets: set[int] = set()
        self.chain_head = 0  # the space chain's length when last verified
        self.space_key = f"SM{next(world.space_numbers)}"
        self.space_id, self.workflow_ids = self._fresh_space()
        with world.db.read() as s:
            self.last_event = last_event_id(s)
        self.workflow_by_id = {
            self.workflow_ids[review.name]: review for review in WORKFLOWS
        }

    def _fresh_space(self) -> tuple[int, dict[str, int]]:
        with self.world.db.write() as s:
            users = {name: s.get(User, uid) for name, uid in self.world.ids.items()}
            people = {name: user for name, user in users.items() if user is not None}
            space = make_space(
                s,
                self.space_key,
                admin=people["ann"],
                members={people[n]: Role(r) for n, r in ROLES.items() if n != "ann"},
            )
            made = {
                review.name: make_workflow(
                    s,
                    space,
                    people["ann"],
                    [
                        step(
                            *(people[name] for name in definition.approvers),
                            rule=Rule(definition.rule),
                            quorum=definition.quorum,
                            min_rejections=definition.min_rejections,
                            name=definition.name,
                        )
                        for definition in review.steps
                    ],
                    name=review.name,
                    stale_on=StaleOn(review.stale_on),
                    expire_on_edit=review.expire_on_edit,
                    allow_override=review.allow_override,
                ).id
                for review in WORKFLOWS
            }
            return space.id, made

    def call(
        self,
        method: str,
        path: str,
        who: str,
        expected: int,
        actions: list[str],
        body: dict[str, Any],
    ) -> httpx.Response:
        """One call as `who`: its status and audit actions must be as predicted."""
        answer = self.world.api.request(
            method, path, token=self.world.tokens[who], json=body
        )
        assert answer.status_code == expected, answer.text
        with self.world.db.read() as s:
            assert actions_since(s, self.last_event) == actions, answer.text
            self.last_event = last_event_id(s)
        if expected == 200 and "pageId" in body:
            self.touched_pages.add(int(body["pageId"]))
        if expected == 200 and "changeSetId" in body:
            self.touched_sets.add(int(body["changeSetId"]))
        return answer

    # Pages and their versions

    @initialize(
        target=pages,
        author=st.sampled_from(EDITORS),
        review=st.sampled_from(WORKFLOWS),
        body=st.sampled_from(BODIES),
    )
    @counted
    def first_page_in_review(self, author: str, review: WorkflowDef, body: str) -> int:
        """Every program starts with a review under way, so most steps meet one."""
        page = self._create_page(author, review, body)
        self._submit(page, "ed")
        return page

    @precondition(lambda self: len(self.page_models) < MAX_PAGES)
    @rule(
        target=pages,
        author=st.sampled_from(EDITORS),
        review=st.sampled_from((*WORKFLOWS, None)),
        body=st.sampled_from(BODIES),
    )
    @counted
    def create_page(self, author: str, review: WorkflowDef | None, body: str) -> int:
        return self._create_page(author, review, body)

    def _create_page(self, author: str, review: WorkflowDef | None, body: str) -> int:
        title = f"Page {len(self.page_models) + 1}"
        sent = {"spaceId": str(self.space_id), "title": title, "body": storage(body)}
        made = self.call("POST", f"{WIKI}/pages", author, 200, ["page.created"], sent)
        page_id = int(made.json()["id"])
        self.touched_pages.add(page_id)
        assert made.json()["body"]["storage"]["value"] == body
        self.page_models[page_id] = PageModel(
            page_id, title, review, [Version(1, body, author)]
        )
        if review is not None:
            assign = {
                "workflowId": str(self.workflow_ids[review.name]),
                "pageIds": [str(page_id)],
            }
            path = f"{API}/workflows/assign"
            self.call("POST", path, "ann", 200, ["workflow.assigned"], assign)
        return page_id

    @rule(
        page=pages,
        editor=st.sampled_from((*EDITORS, "vic")),
        body=st.sampled_from(BODIES),
        from_old=st.sampled_from((False, False, False, True)),
    )
    @counted
    def edit_page(self, page: int, editor: str, body: str, from_old: bool) -> None:
        model = self.page_models[page]
        path = f"{WIKI}/pages/{page}"
        number = model.current.number + (0 if from_old else 1)
        sent = {"version": {"number": number}, "body": storage(body)}
        if ROLES[editor] == "viewer":
            self.call("PUT", path, editor, 403, ["auth.denied"], sent)
            return
        if from_old:  # the save did not start from the current version
            self.call("PUT", path, editor, 409, [], sent)
            return
        superseded, stale = model.edit(body, editor)
        actions = ["page.edited"]
        actions += ["approval.superseded"] * superseded + ["approval.stale"] * stale
        saved = self.call("PUT", path, editor, 200, actions, sent).json()
        assert saved["version"]["number"] == model.current.number
        assert saved["body"]["storage"]["value"] == body
        self.touched_pages.add(page)

    # Reviews of single pages

    # Editors more often than others, so that most submissions start a review.
    @rule(page=pages, who=st.sampled_from((*USERS, "ed", "rae", "ed", "rae")))
    @counted
    def submit_page(self, page: int, who: str) -> None:
        self._submit(page, who)

    def _submit(self, page: int, who: str) -> None:
        model = self.page_models[page]
        refusal = model.refusal(who, ROLES[who], strict=True)
        path, sent = f"{API}/pages/submit", {"pageId": str(page)}
        if refusal is None:
            model.submit(who)
            self.call("POST", path, who, 200, ["approval.submitted"], sent)
        elif refusal[0] is Refusal.no_permission:
            self.call("POST", path, who, 403, ["auth.denied"], sent)
        else:
            refused = self.call("POST", path, who, 409, [], sent)
            assert refused.json()["error"] == refusal_text(refusal) + "."

    # "seat holder": someone the current step still waits for. Random people are
    # mostly refused; these mostly count, so that reviews reach their verdicts.
    @rule(
        page=pages,
        who=st.sampled_from(("seat holder",) * 6 + USERS),
        pick=st.integers(0, 2),
        kind=st.sampled_from((APPROVE, APPROVE, REJECT)),
        named=st.sampled_from(("reviewed", "reviewed", "current", "previous")),
        comment=st.sampled_from(("Checked against the release.",) * 3 + ("",)),
    )
    @counted
    def decide(
        self, page: int, who: str, pick: int, kind: str, named: str, comment: str
    ) -> None:
        if who == "seat holder":
            waiting = self.page_models[page].waiting_on() or ["pat", "quinn", "rae"]
            who = waiting[pick % len(waiting)]
        self._decide(page, who, kind, named, comment)

    def _decide(self, page: int, who: str, kind: str, named: str, comment: str) -> None:
        model = self.page_models[page]
        current = model.current.number
        number = {
            "reviewed": model.latest.version.number if model.latest else current,
            "current": current,
            "previous": max(1, current - 1),
        }[named]
        path = f"{API}/pages/{kind}"
        sent = {"pageId": str(page), "version": number, "comment": comment}
        if kind == REJECT and not comment:
            self.call("POST", path, who, 400, [], sent)
            return
        status, actions = model.decide(who, kind, number)
        self.call("POST", path, who, status, actions, sent)

    # The space admin (ann) most often: everyone else is refused.
    @rule(
        page=pages,
        who=st.sampled_from(("ann",) * 4 + USERS),
        kind=st.sampled_from((APPROVE, REJECT)),
        named=st.sampled_from(("reviewed", "reviewed", "reviewed", "previous")),
        reason=st.sampled_from(
            ("Release blocker; the approvers are away.",) * 3 + ("  ",)
        ),
    )
    @counted
    def override(self, page: int, who: str, kind: str, named: str, reason: str) -> None:
        model = self.page_models[page]
        number = max(1, model.current.number - 1)
        if named == "reviewed":
            number = (
                model.latest.version.number if model.latest else model.current.number
            )
        status, actions = model.override(
            who, ROLES[who] == "admin", kind, number, reason
        )
        sent = {
            "pageId": str(page),
            "decision": kind,
            "reason": reason,
            "version": number,
        }
        self.call("POST", f"{API}/pages/override", who, status, actions, sent)

    @rule(page=pages, who=st.sampled_from(USERS))
    @counted
    def cancel(self, page: int, who: str) -> None:
        status, actions = self.page_models[page].cancel(who, ROLES[who] == "admin")
        sent = {"pageId": str(page)}
        self.call("POST", f"{API}/pages/cancel", who, status, actions, sent)

    # Change sets

    @precondition(lambda self: len(self.set_models) < MAX_SETS)
    @rule(
        target=change_sets,
        who=st.sampled_from(("ed", "rae", "vic")),
        members=st.lists(pages, unique=True, max_size=MAX_PAGES),
    )
    @counted
    def create_change_set(self, who: str, members: list[int]) -> Any:
        title = f"Release {len(self.set_models) + 1}"
        url = "https://git.example.com/pr/1"
        sent = {
            "spaceId": str(self.space_id),
            "title": title,
            "summary": "Docs",
            "referenceUrl": url,
            "pageRefs": [{"pageId": str(page)} for page in members],
        }
        path = f"{API}/changeSets"
        if ROLES[who] == "viewer":
            self.call("POST", path, who, 403, ["auth.denied"], sent)
            return multiple()
        made = self.call("POST", path, who, 200, ["changeset.created"], sent)
        set_id = int(made.json()["changeSet"]["id"])
        self.touched_sets.add(set_id)
        self.set_models[set_id] = ChangeSetModel(set_id, title, "Docs", url, members)
        return set_id

    def _update(
        self, change_set: int, who: str, sent: dict[str, Any], accepted: bool
    ) -> bool:
        """Send an update; whether the product took it, as the model predicts."""
        model = self.set_models[change_set]
        expected, actions = 200, ["changeset.updated"]
        if ROLES[who] == "viewer":
            expected, actions = 403, ["auth.denied"]
        elif model.archived:
            expected, actions = 409, []
        elif not accepted:
            expected, actions = 400, []
        body = {"changeSetId": str(change_set), **sent}
        self.call("POST", f"{API}/changeSets/update", who, expected, actions, body)
        return expected == 200

    @rule(
        change_set=change_sets,
        who=st.sampled_from(("ed", "rae", "vic")),
        change=st.sampled_from(CONTEXT_CHANGES),
    )
    @counted
    def update_context(
        self, change_set: int, who: str, change: tuple[str, str | None, bool]
    ) -> None:
        field, value, accepted = change
        if self._update(change_set, who, {field: value}, accepted):
            setattr(self.set_models[change_set], MODEL_FIELD[field], value or "")
            if field == "referenceUrl" and value is None:
                self.set_models[change_set].reference_url = None

    @rule(change_set=change_sets, page=pages, remove=st.booleans())
    @counted
    def add_or_remove_page(self, change_set: int, page: int, remove: bool) -> None:
        model = self.set_models[change_set]
        listed = [p for p in model.page_ids if p != page]
        if not remove:
            listed = [*model.page_ids, page]  # listing a page twice is refused
        refs = {"pageRefs": [{"pageId": str(p)} for p in listed]}
        if self._update(change_set, "ed", refs, len(set(listed)) == len(listed)):
            model.list_pages(listed)

    @rule(change_set=change_sets)
    @counted
    def archive(self, change_set: int) -> None:
        model = self.set_models[change_set]
        path, sent = f"{API}/changeSets/archive", {"changeSetId": str(change_set)}
        if model.archived:
            self.call("POST", path, "rae", 409, [], sent)
            return
        self.call("POST", path, "rae", 200, ["changeset.archived"], sent)
        model.archived = True

    @rule(change_set=change_sets, who=st.sampled_from((*EDITORS, "vic")))
    @counted
    def submit_change_set(self, change_set: int, who: str) -> None:
        model = self.set_models[change_set]
        path, sent = f"{API}/changeSets/submit", {"changeSetId": str(change_set)}
        if ROLES[who] == "viewer":
            self.call("POST", path, who, 403, ["auth.denied"], sent)
            return
        if model.archived:
            self.call("POST", path, who, 409, [], sent)
            return
        self.touched_pages.update(model.page_ids)
        expected: list[tuple[int, bool, str | None]] = []
        for page_id in model.page_ids:
            page = self.page_models[page_id]
            refusal = page.refusal(who, ROLES[who], strict=False)
            if refusal is None:
                page.submit(who)
            reason = refusal_text(refusal) if refusal else None
            expected.append((page_id, refusal is None, reason))
        actions = ["approval.submitted"] * sum(ok for _, ok, _ in expected)
        answer = self.call(
            "POST", path, who, 200, [*actions, "changeset.submitted"], sent
        )
        results = answer.json()["results"]
        assert [
            (int(r["pageId"]), r["success"], r.get("reason")) for r in results
        ] == expected
        assert answer.json()["submittedCount"] == len(actions)

    @rule(
        change_set=change_sets,
        who=st.sampled_from(("seat holder",) * 4 + USERS),
        kind=st.sampled_from((APPROVE, APPROVE, REJECT)),
        named=st.sampled_from(("under review", "current")),
        comment=st.sampled_from(("One look at the whole release.",) * 3 + ("",)),
    )
    @counted
    def decide_change_set(
        self, change_set: int, who: str, kind: str, named: str, comment: str
    ) -> None:
        """One approver decides every page of a set in one act: each page exactly
        as its own decision would go, the refusals skipped, and one act event."""
        model = self.set_models[change_set]
        if who == "seat holder":
            waiting = [
                person
                for page_id in model.page_ids
                for person in self.page_models[page_id].waiting_on()
            ]
            who = waiting[0] if waiting else "pat"
        path = f"{API}/changeSets/decide"
        sent: dict[str, Any] = {
            "changeSetId": str(change_set),
            "decision": kind,
            "comment": comment,
        }
        if named == "current":
            sent["versions"] = {
                str(page_id): self.page_models[page_id].current.number
                for page_id in model.page_ids
            }
        if kind == REJECT and not comment:
            self.call("POST", path, who, 400, [], sent)
            return
        if model.archived:
            self.call("POST", path, who, 409, [], sent)
            return
        self.touched_pages.update(model.page_ids)
        actions: list[str] = []
        decided: list[int] = []
        for page_id in model.page_ids:
            page = self.page_models[page_id]
            number = page.current.number
            if named == "under review" and page.latest is not None:
                number = page.latest.version.number
            status, done = page.decide(who, kind, number)
            if status == 200:
                actions.extend(done)
                decided.append(page_id)
        answer = self.call(
            "POST", path, who, 200, [*actions, "changeset.decided"], sent
        )
        results = answer.json()["results"]
        assert [int(r["pageId"]) for r in results if r["success"]] == decided
        assert all(r.get("reason") for r in results if not r["success"])
        assert answer.json()["decidedCount"] == len(decided)

    # What must hold after every step

    @invariant()
    def pages_agree_with_the_model(self) -> None:
        with self.world.db.read() as s:
            statuses = {
                page_id: plain(
                    page_status_out(page_status(s, self._page_row(s, page_id))),
                    exclude={"success"},
                )
                for page_id in self.page_models
            }
        for page_id in sorted(self.touched_pages):
            answer = self.world.api.get(
                f"{API}/pages/status",
                token=self.world.tokens["vic"],
                params={"pageId": str(page_id)},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"success": True, **statuses[page_id]}
        self.touched_pages.clear()
        for page_id, status in statuses.items():
            page = self.page_models[page_id]
            current = status["currentPageVersion"]
            assert current >= self.seen_versions.get(page_id, 1), "a version went back"
            self.seen_versions[page_id] = current
            self._check_page(page, status)
            if status["request"] is not None:
                self._check_verdict_earned(page, status)

    @staticmethod
    def _page_row(s: Session, page_id: int) -> Page:
        page = s.get(Page, page_id)
        assert page is not None
        return page

    def _check_page(self, page: PageModel, status: dict[str, Any]) -> None:
        approved_at = page.approved.version.number if page.approved else None
        assert (
            status["currentPageVersion"],
            status["approvalStatus"],
            status["approvedAtVersion"],
            status["isStale"],
            status["versionDelta"],
        ) == (
            page.current.number,
            page.approval_status,
            approved_at,
            page.is_stale,
            page.version_delta,
        )
        request = status["request"]
        if page.latest is None:
            assert request is None
            return
        review = page.latest
        accounts = self.world.accounts
        assert (request["version"], request["status"], request["submittedBy"]) == (
            review.version.number,
            review.status,
            accounts[review.submitter],
        )
        assert [s["status"] for s in request["steps"]] == review.step_status
        assert (request["override"] is not None) is review.overridden
        for shown, definition, decided in zip(
            request["steps"], review.workflow.steps, review.decisions, strict=True
        ):
            assert [a["accountId"] for a in shown["approvers"]] == [
                accounts[name] for name in definition.approvers
            ]
            assert sorted(
                (d["accountId"], d["decision"], d["version"])
                for d in shown["decisions"]
            ) == sorted(
                (accounts[who], kind, number) for who, (kind, number) in decided.items()
            )

    def _check_verdict_earned(self, page: PageModel, status: dict[str, Any]) -> None:
        """The product's own answer justifies its verdict, step by step."""
        request = status["request"]
        review = self.workflow_by_id[int(request["workflowId"])]
        reviewed = page.version(request["version"])
        assert reviewed is not None and page.latest is not None
        # The submitter and everyone who wrote a version under review (`_check_page`
        # has shown the product's review is the model's).
        excluded = {request["submittedBy"]} | {
            self.world.accounts[name] for name in page.latest.authors
        }
        outcomes = [
            self._step_outcome(shown, definition.min_rejections, excluded)
            for shown, definition in zip(request["steps"], review.steps, strict=True)
        ]
        for shown in request["steps"]:
            for decision in shown["decisions"]:
                named = page.version(decision["version"])
                assert named is not None
                assert same_content(reviewed, named, review.stale_on), decision
        shown_status = [s["status"] for s in request["steps"]]
        verdict = request["status"]
        decided = [s for s in shown_status if s in ("approved", "rejected")]
        assert outcomes[: len(decided)] == decided, (outcomes, shown_status)
        if request["override"] is not None:
            # Forced by a space admin who may not decide their own content; the
            # steps it went around read skipped, none of them decided.
            assert request["override"]["accountId"] == self.world.accounts["ann"]
            assert request["override"]["accountId"] not in excluded
            assert verdict in ("approved", "rejected")
            assert set(shown_status[len(decided) :]) <= {"skipped"}
            if verdict == "approved":
                covered = same_content(reviewed, page.current, review.stale_on)
                assert status["isStale"] is not covered
            return
        if verdict == "approved":
            assert decided == ["approved"] * len(outcomes)
            covered = same_content(reviewed, page.current, review.stale_on)
            assert status["isStale"] is not covered
        elif verdict == "rejected":
            assert decided[-1] == "rejected"
        elif verdict == "pending":
            assert shown_status[len(decided)] == "active"
            assert outcomes[len(decided)] == "open"

    @staticmethod
    def _step_outcome(
        shown: dict[str, Any], min_rejections: int, excluded: set[str]
    ) -> str:
        """What a step's shown decisions add up to, from the product's answer alone."""
        named = {a["accountId"] for a in shown["approvers"]}
        deciders = [d["accountId"] for d in shown["decisions"]]
        assert len(deciders) == len(set(deciders)), "someone decided twice"
        assert set(deciders) <= named - excluded, "an excluded or unnamed decider"
        approvals = {
            d["accountId"] for d in shown["decisions"] if d["decision"] == APPROVE
        }
        rule_, quorum = shown["rule"], shown["quorum"]
        need = len(named) if rule_ == "all" else 1 if rule_ == "any" else quorum
        possible = approvals | (named - excluded - set(deciders))
        if len(deciders) - len(approvals) >= min_rejections:
            return "rejected"
        if len(approvals) >= need:
            return "approved"
        return "rejected" if len(possible) < need else "open"

    @invariant()
    def change_sets_agree_with_the_model(self) -> None:
        with self.world.db.read() as s:
            details = {
                set_id: plain(
                    change_set_detail_out(
                        change_set_detail(s, self._set_row(s, set_id))
                    )
                )
                for set_id in self.set_models
            }
        for set_id in sorted(self.touched_sets):
            answer = self.world.api.get(
                f"{API}/changeSets/detail",
                token=self.world.tokens["pat"],
                params={"changeSetId": str(set_id)},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"success": True, "changeSet": details[set_id]}
        self.touched_sets.clear()
        for set_id, shown in details.items():
            model = self.set_models[set_id]
            assert (
                shown["title"],
                shown["summary"],
                shown["referenceUrl"],
                shown["status"],
            ) == (
                model.title,
                model.summary,
                model.reference_url,
                "archived" if model.archived else "open",
            )
            # The set reads each page from the moment it joined.
            pages = [
                self.page_models[page_id].in_set(model.joined[page_id])
                for page_id in model.page_ids
            ]
            assert [
                (int(r["pageId"]), r["approvalStatus"], r["isStale"])
                for r in shown["pageRefs"]
            ] == [
                (page_id, *page)
                for page_id, page in zip(model.page_ids, pages, strict=True)
            ]
            assert shown["rollupState"] == rollup(pages)

    @staticmethod
    def _set_row(s: Session, set_id: int) -> ChangeSet:
        change_set = s.get(ChangeSet, set_id)
        assert change_set is not None
        return change_set

    @invariant()
    def the_queue_finds_the_stale_pages(self) -> None:
        """The queue's `stale` tab and count (read from `pages.approved_version` and
        its partial index) name exactly the pages the model calls stale."""
        stale = sorted(p.id for p in self.page_models.values() if p.is_stale)
        with self.world.db.read() as s:
            ann = s.get(User, self.world.ids["ann"])
            assert ann is not None
            listed, _ = list_queue(s, ann, space_id=self.space_id, status="stale")
            count = queue_counts(s, ann, space_id=self.space_id)["stale"]
        assert (count, sorted(item.page_id for item in listed)) == (len(stale), stale)

    @invariant()
    def audit_chain_verifies(self) -> None:
        """The space's chain verifies, by `signoff audit verify`'s code, whenever it
        grew (a step that wrote nothing cannot change the verdict)."""
        with self.world.db.read() as s:
            head = s.get(AuditChainHead, chain_for(self.space_id))
            assert head is not None
            assert head.seq >= self.chain_head, "the audit chain lost events"
            if head.seq == self.chain_head:
                return
            (report,) = verify_audit_chains(s, space_key=self.space_key)
        assert report.broken is None, report.broken
        assert report.events == head.seq
        self.chain_head = head.seq


def test_reviews_follow_the_model(world: World) -> None:
    """Random programs of edits, reviews and change sets never break a rule."""
    # Hypothesis takes any factory here, though its annotation names a class.
    machine = functools.partial(ReviewMachine, world)
    run_state_machine_as_test(machine, settings=SETTINGS)  # type: ignore[arg-type]
    with world.db.read() as s:
        reports = verify_audit_chains(s)
    assert [report.broken for report in reports] == [None] * len(reports)
    assert world.rules_run > 0
    record("state machine steps", world.rules_run)
