"""`signoff sync DIR --space KEY`: docs as code, a folder of files kept as pages.

The files are compared with the pages they became (the mapping file in DIR knows
which), new and changed ones are written, and exactly those are gathered into a
change set, preflighted and, with `--submit`, submitted; `--submit` also gathers
the unchanged pages no review covers, so no page of the folder is left unsubmitted.
`--dry-run` only reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from signoff.cli.changeset import show_preflight, show_submit
from signoff.cli.output import EXIT_REFUSED, EXIT_USAGE, JsonOption, err, fail, out
from signoff.cli.pipeline import (
    TokenOption,
    UrlOption,
    change_set_line,
    connected,
    object_id,
    print_json,
    text,
)
from signoff.client import mapping
from signoff.client.approvals import Approvals
from signoff.client.connection import Json
from signoff.client.documents import Document, read_folder
from signoff.client.store import PageStore
from signoff.client.sync import (
    Action,
    Step,
    Synced,
    apply_sync,
    gather_unreviewed,
    mark_gathered,
    plan_sync,
)

LOGGED_FROM = 20  # files; shorter syncs need no progress lines in a log


def sync(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR", help="Folder of Markdown (.md) and HTML (.html) files."
        ),
    ],
    space: Annotated[
        str, typer.Option("--space", help="Key of the space.", show_default=False)
    ],
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            help="Title of the change set (default: 'Sync of DIR').",
            show_default=False,
        ),
    ] = None,
    summary: Annotated[
        str | None, typer.Option("--summary", show_default=False)
    ] = None,
    reference_url: Annotated[
        str | None,
        typer.Option(
            "--reference-url", help="e.g. the pull request.", show_default=False
        ),
    ] = None,
    message: Annotated[
        str,
        typer.Option("--message", help="Version message; {path} is the file."),
    ] = "Synced from {path}",
    submit: Annotated[
        bool,
        typer.Option(
            "--submit",
            help="Submit every page of DIR that is neither pending nor approved "
            "at its current version.",
        ),
    ] = False,
    workflow: Annotated[
        str | None,
        typer.Option(
            "--workflow",
            metavar="ID",
            help="With --submit: the workflow for pages that have none of their "
            "own (a page's own workflow is never replaced).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing.")
    ] = False,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make each file of DIR a page of the space, and changes a change set.

    New and changed pages are gathered into a change set, which is preflighted
    and, with --submit, submitted together with every unchanged page that is
    neither pending nor approved at its current version. Exit 1 when a page of the
    change set cannot be submitted.
    """
    if not folder.is_dir():
        fail(f"DIR {str(folder)!r} is not a folder.", EXIT_USAGE)
    if workflow is not None and not submit:
        fail("--workflow only counts with --submit.", EXIT_USAGE)
    workflow_id = object_id(workflow, "--workflow") if workflow else None
    with connected(url, token) as connection:
        documents = read_folder(folder)
        store, approvals = PageStore(connection), Approvals(connection)
        space_id = store.space_id(space)
        known = mapping.load(folder)
        section = known.space(space, space_id)

        def save() -> None:
            mapping.save(folder, known)

        with _progress(as_json, "Comparing", len(documents)) as advance:
            steps = plan_sync(store, space_id, documents, section, advance)
        if dry_run:
            _show_plan(as_json, space, space_id, steps)
            return
        with _progress(as_json, "Writing", len(steps)) as advance:
            synced = apply_sync(
                store,
                space_id,
                steps,
                section,
                message=message,
                persist=save,
                on_document=advance,
            )
        if submit:
            synced = gather_unreviewed(store, synced)
        changed = [page for page in synced if page.gathered]
        change_set = preflight = submitted = None
        if changed:
            change_set = approvals.create_change_set(
                space_id,
                title or f"Sync of {folder.resolve().name}",
                [page.page_id for page in changed],
                summary=summary,
                reference_url=reference_url,
            )
            mark_gathered(section, changed, save)
            preflight = approvals.preflight_change_set(str(change_set["id"]))
            if submit and workflow_id is None:
                submitted = approvals.submit_change_set(str(change_set["id"]))
            elif submit and workflow_id is not None:
                submitted = approvals.submit_pages(
                    [page.page_id for page in changed], workflow_id=workflow_id
                )
    _show_result(as_json, space, space_id, synced, change_set, preflight, submitted)
    # The submit's own answer decides when there was one: the preflight knows
    # nothing of --workflow, which may settle a page it calls blocked.
    if submitted is not None:
        failed = submitted.get("skippedCount", 0)
    else:
        failed = (preflight or {}).get("summary", {}).get("blocked", 0)
    if failed:
        raise typer.Exit(EXIT_REFUSED)


@contextmanager
def _progress(
    quiet: bool, what: str, total: int
) -> Iterator[Callable[[Document], None]]:
    """A progress bar on stderr for people; in a CI log, a line every tenth."""
    console = err()
    if quiet or total == 0:
        yield lambda _document: None
    elif not console.is_terminal:
        done = [0]
        every = max(1, total // 10)

        def log(_document: Document) -> None:
            done[0] += 1
            if total >= LOGGED_FROM and (done[0] % every == 0 or done[0] == total):
                console.print(f"{what} files: {done[0]}/{total}")

        yield log
    else:
        with Progress(
            TextColumn(f"{what} files"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("", total=total)

            def advance(document: Document) -> None:
                progress.update(task, advance=1, description=document.path)

            yield advance


def _counts(actions: list[Action]) -> Json:
    return {action.value: actions.count(action) for action in Action}


def _show_plan(as_json: bool, space: str, space_id: str, steps: list[Step]) -> None:
    counts = _counts([step.action for step in steps])
    if as_json:
        print_json(
            {
                "dryRun": True,
                "space": space,
                "spaceId": space_id,
                "pages": [
                    {
                        "path": step.document.path,
                        "key": step.document.key,
                        "title": step.document.title,
                        "action": step.action.value,
                        "pageId": step.page_id,
                        "gathered": step.gathered,
                    }
                    for step in steps
                ],
                **counts,
                "changeSet": None,
            }
        )
        return
    table = Table(title=f"Plan for space {text(space)} (dry run: nothing written)")
    for column in ("file", "title", "action", "page"):
        table.add_column(column)
    for step in steps:
        table.add_row(
            text(step.document.path),
            text(step.document.title),
            step.action.value,
            text(step.page_id),
        )
    out().print(table)
    changed = sum(1 for step in steps if step.gathered)
    out().print(
        f"Would create {counts['create']} page(s), update {counts['update']}, "
        f"leave {counts['unchanged']} unchanged"
        + (f", and gather {changed} into a change set." if changed else ".")
    )


def _show_result(
    as_json: bool,
    space: str,
    space_id: str,
    synced: list[Synced],
    change_set: Json | None,
    preflight: Json | None,
    submitted: Json | None,
) -> None:
    counts = _counts([page.action for page in synced])
    if as_json:
        print_json(
            {
                "dryRun": False,
                "space": space,
                "spaceId": space_id,
                "pages": [
                    {
                        "path": page.document.path,
                        "key": page.document.key,
                        "title": page.document.title,
                        "action": page.action.value,
                        "pageId": page.page_id,
                        "version": page.version,
                        "gathered": page.gathered,
                    }
                    for page in synced
                ],
                **counts,
                "changeSet": change_set,
                "preflight": _without_envelope(preflight),
                "submit": _without_envelope(submitted),
            }
        )
        return
    console = out()
    table = Table(title=f"Synced into space {text(space)}")
    for column in ("file", "title", "action", "page", "version"):
        table.add_column(column)
    for page in synced:
        if page.gathered:
            table.add_row(
                text(page.document.path),
                text(page.document.title),
                page.action.value,
                text(page.page_id),
                text(page.version),
            )
    if any(page.gathered for page in synced):
        console.print(table)
    console.print(
        f"Created {counts['create']} page(s), updated {counts['update']}, "
        f"{counts['unchanged']} unchanged."
    )
    if change_set is None:
        console.print("Nothing changed, so no change set.")
        return
    console.print(change_set_line(change_set))
    if preflight is not None:
        show_preflight(False, preflight)
    if submitted is not None:
        show_submit(False, submitted)


def _without_envelope(result: Json | None) -> Json | None:
    if result is None:
        return None
    return {key: value for key, value in result.items() if key != "success"}
