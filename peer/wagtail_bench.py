"""Time Wagtail's workflow engine doing what `signoff bench` times: submits, approvals.

A minimal Django project configured in code, on SQLite with Signoff's production
settings; a two-step GroupApprovalTask workflow, N pages, one transaction per submit
and per decision, each doing what Wagtail's admin view does. Django is imported only
when a run starts, so the argument parsing and the JSON shape load without it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PAGES = 1000
STEPS = 2
PAGES_PER_TRANSACTION = 500  # the world is not timed; batches keep it quick
PUBLISH = "publish"
NO_FINISH_ACTION = "none"
EMAILS_PER_PAGE = 3  # step 1's group, step 2's group, the submitter when approved

urlpatterns: list[Any] = []  # filled after setup: the notification emails link here


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument(
        "--finish-action",
        choices=(PUBLISH, NO_FINISH_ACTION),
        default=PUBLISH,
        help="what the last approval does: Wagtail's default publishes the page",
    )
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    return args


@dataclass(frozen=True)
class Phase:
    """One timed phase: how many actions, how long, how many statements."""

    actions: int
    seconds: float
    statements: int

    @property
    def per_second(self) -> float:
        return self.actions / self.seconds if self.seconds > 0 else float("inf")

    @property
    def statements_per_action(self) -> float:
        return self.statements / self.actions


def result_json(
    version: str, pages: int, submit: Phase, approve: Phase, finish_action: str
) -> dict[str, Any]:
    """The run's figures under the names `signoff bench --json` uses for its own."""
    return {
        "peer": "wagtail",
        "version": version,
        "pages": pages,
        "submitPerSecond": submit.per_second,
        "approvePerSecond": approve.per_second,
        "statementsPerSubmit": submit.statements_per_action,
        "statementsPerApprove": approve.statements_per_action,
        "finishAction": finish_action,
    }


def human_table(figures: dict[str, Any]) -> str:
    return "\n".join(f"{name:<22} {value}" for name, value in figures.items())


def keep_unpublished(workflow_state: Any, user: Any = None) -> None:
    """`--finish-action none`: an approved workflow changes nothing else."""


def configure(database: Path, finish_action: str) -> None:
    """Settings for Wagtail's workflow and its notification emails, nothing more."""
    from django.conf import settings

    extra = {}
    if finish_action == NO_FINISH_ACTION:
        extra["WAGTAIL_FINISH_WORKFLOW_ACTION"] = f"{__name__}.keep_unpublished"
    settings.configure(
        DEBUG=False,  # Django keeps no query log, as in production
        SECRET_KEY="peer-bench-not-secret",  # noqa: S106
        USE_TZ=True,
        ALLOWED_HOSTS=["localhost"],
        INSTALLED_APPS=[
            "wagtail.users",
            "wagtail.admin",
            "wagtail.search",
            "wagtail",
            "modelcluster",
            "taggit",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
        ],
        MIDDLEWARE=[],
        ROOT_URLCONF=__name__,
        STATIC_URL="/static/",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": []},
            }
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(database),
                # Django >= 5.1: every atomic block begins with BEGIN IMMEDIATE
                "OPTIONS": {"transaction_mode": "IMMEDIATE"},
            }
        },
        # Emails are rendered and handed to a backend that keeps them in memory:
        # Wagtail builds them in the request, Signoff writes an outbox row instead.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Search and reference indexing are background tasks in Wagtail 8; a
        # production site runs them in a worker. The dummy backend records them.
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
        WAGTAILSEARCH_BACKENDS={
            "default": {
                "BACKEND": "wagtail.search.backends.database",
                "AUTO_UPDATE": False,
            }
        },
        WAGTAIL_SITE_NAME="Peer bench",
        WAGTAILADMIN_BASE_URL="http://localhost",
        **extra,
    )


def _pragmas(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Signoff's SQLite settings, on every connection Django opens."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")


def setup_django(database: Path, finish_action: str) -> None:
    import django
    from django.db.backends.signals import connection_created

    configure(database, finish_action)
    connection_created.connect(_pragmas)
    django.setup()
    from django.urls import include, path
    from wagtail.admin import urls as admin_urls

    urlpatterns.append(path("admin/", include(admin_urls)))


@dataclass(frozen=True)
class World:
    author_id: int
    approver_ids: tuple[int, int]
    page_ids: tuple[int, ...]


def build_world(pages: int) -> World:
    """An author who may edit, two approvers in a group each, the workflow, pages."""
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from wagtail.models import (
        GroupApprovalTask,
        GroupPagePermission,
        Page,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    with transaction.atomic():
        author = _person(User, Group, "alex", "Runbook authors")
        approvers = (
            _person(User, Group, "riley", "Technical reviewers"),
            _person(User, Group, "sam", "Sign-off"),
        )
        home = Page.get_first_root_node().get_children().first()
        parent = home.add_child(instance=Page(title="Runbooks", slug="runbooks"))
        # The author edits and submits; the last step's group may publish, which
        # Wagtail's default finish action does on their behalf.
        for who, permission_type in (
            (author, "add"),
            (author, "change"),
            (approvers[1], "publish"),
        ):
            GroupPagePermission.objects.create(
                group=who.groups.get(), page=parent, permission_type=permission_type
            )
        workflow = Workflow.objects.create(name="Two-step review")
        for order, (name, approver) in enumerate(
            zip(("Technical review", "Sign-off"), approvers, strict=True)
        ):
            task = GroupApprovalTask.objects.create(name=name)
            task.groups.set([approver.groups.get()])
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
        WorkflowPage.objects.create(workflow=workflow, page=parent)
    page_ids: list[int] = []
    for start in range(0, pages, PAGES_PER_TRANSACTION):
        with transaction.atomic():
            for n in range(start, min(start + PAGES_PER_TRANSACTION, pages)):
                page_ids.append(_published_page(Page, parent, author, n + 1))
    return World(author.pk, (approvers[0].pk, approvers[1].pk), tuple(page_ids))


def _person(user_model: Any, group_model: Any, username: str, group: str) -> Any:
    from wagtail.users.models import UserProfile

    user = user_model.objects.create_user(
        username, email=f"{username}@example.com", first_name=username.title()
    )
    user.groups.add(group_model.objects.create(name=group))
    UserProfile.get_for_user(user)  # made on first sign-in; a reviewer has one
    return user


def _published_page(page_model: Any, parent: Any, author: Any, n: int) -> int:
    """A live page with one published revision, as a page under review has."""
    page = parent.add_child(
        instance=page_model(title=f"Runbook {n}", slug=f"runbook-{n}", owner=author)
    )
    revision = page.save_revision(user=author, log_action=False)
    revision.publish(user=author, log_action=False, skip_permission_checks=True)
    return int(page.pk)


def submit_page(author: Any, page_id: int) -> int:
    """What the edit view's "Submit for moderation" does for an unchanged page.

    Returns the started first task state's id, which the approver's link names.
    """
    from django.core.exceptions import PermissionDenied
    from wagtail.models import Page, WorkflowState

    real = Page.objects.prefetch_workflow_states().get(id=page_id)
    page = real.get_latest_revision_as_object()
    perms = page.permissions_for_user(author)
    if not (perms.can_edit() and perms.can_submit_for_moderation()):
        raise PermissionDenied
    lock = page.get_lock()
    if lock is not None and lock.for_user(author):
        raise PermissionDenied
    state = page.current_workflow_state
    page.save_revision(user=author, log_action=True)
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(author)
        return int(state.current_task_state_id)
    started = page.get_workflow().start(page, author)
    return int(started.current_task_state_id)


def approve_task(approver: Any, page_id: int, task_state_id: int) -> int | None:
    """What the workflow action view does for "approve" (no comment).

    Returns the next task state's id, or None when the workflow has finished.
    """
    from django.core.exceptions import PermissionDenied
    from wagtail.models import Page, TaskState

    page = Page.objects.get(pk=page_id)
    if not page.workflow_in_progress:
        raise PermissionDenied
    task_state = TaskState.objects.get(id=task_state_id).specific
    task = task_state.task.specific
    if "approve" not in [name for name, _, _ in task.get_actions(page, approver)]:
        raise PermissionDenied
    task.on_action(task_state, approver, "approve", comment="")
    workflow_state = task_state.workflow_state
    if workflow_state.status != workflow_state.STATUS_IN_PROGRESS:
        return None
    return int(workflow_state.current_task_state_id)


@contextmanager
def counting() -> Iterator[list[int]]:
    """Count every statement Django sends through a cursor (BEGIN included)."""
    from django.db import connection

    count = [0]

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def timed_phases(world: World) -> tuple[Phase, Phase]:
    from django.contrib.auth.models import User
    from django.db import transaction

    author = User.objects.get(pk=world.author_id)
    approvers = [User.objects.get(pk=pk) for pk in world.approver_ids]
    first_tasks: list[int] = []
    with counting() as count:
        started = time.perf_counter()
        for page_id in world.page_ids:
            with transaction.atomic():
                first_tasks.append(submit_page(author, page_id))
        submit = Phase(len(world.page_ids), time.perf_counter() - started, count[0])
    with counting() as count:
        started = time.perf_counter()
        for page_id, task_state_id in zip(world.page_ids, first_tasks, strict=True):
            next_task: int | None = task_state_id
            for approver in approvers:
                assert next_task is not None, "the workflow ended before its last step"
                with transaction.atomic():
                    next_task = approve_task(approver, page_id, next_task)
        seconds = time.perf_counter() - started
        approve = Phase(STEPS * len(world.page_ids), seconds, count[0])
    return submit, approve


def check_outcome(world: World) -> list[str]:
    """What must be true after the run; each problem as a sentence."""
    from django.core import mail
    from wagtail.models import TaskState, WorkflowState

    pages = len(world.page_ids)
    problems = []
    approved = WorkflowState.objects.filter(status=WorkflowState.STATUS_APPROVED)
    if approved.count() != pages or WorkflowState.objects.count() != pages:
        problems.append(f"{approved.count()} of {pages} workflows approved")
    task_states = TaskState.objects.filter(status=TaskState.STATUS_APPROVED).count()
    if task_states != STEPS * pages or TaskState.objects.count() != STEPS * pages:
        problems.append(f"{task_states} approved task states, not {STEPS * pages}")
    emails = len(getattr(mail, "outbox", []))
    if emails != EMAILS_PER_PAGE * pages:
        problems.append(f"{emails} emails built, not {EMAILS_PER_PAGE * pages}")
    return problems


@contextmanager
def database_file() -> Iterator[Path]:
    """A fresh file in a temporary directory, inside SIGNOFF_DATA_DIR when set."""
    parent = os.environ.get("SIGNOFF_DATA_DIR") or None
    if parent:
        Path(parent).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="peerbench-", dir=parent) as workdir:
        yield Path(workdir) / "wagtail.sqlite3"


def run(pages: int, finish_action: str) -> tuple[dict[str, Any], list[str]]:
    from importlib.metadata import version

    with database_file() as database:
        setup_django(database, finish_action)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        world = build_world(pages)
        submit, approve = timed_phases(world)
        problems = check_outcome(world)
        connection.close()
    figures = result_json(version("wagtail"), pages, submit, approve, finish_action)
    return figures, problems


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures, problems = run(args.pages, args.finish_action)
    print(human_table(figures), file=sys.stderr)  # noqa: T201
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)  # noqa: T201
    print(json.dumps(figures))  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
