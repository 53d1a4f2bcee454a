"""`signoff changeset ...`: a pipeline's change sets, over the server's REST API."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.status import Status
from rich.table import Table

from signoff.cli.output import EXIT_REFUSED, EXIT_USAGE, JsonOption, err, fail, out
from signoff.cli.pipeline import (
    EXIT_TIMED_OUT,
    TokenOption,
    UrlOption,
    answer,
    change_set_line,
    connected,
    object_id,
    preflight_table,
    print_json,
    show_change_set,
    submit_table,
    text,
)
from signoff.client.approvals import Approvals
from signoff.client.backoff import Backoff
from signoff.client.connection import Json
from signoff.client.preflight import read_preflight, still_blocked
from signoff.client.store import PageStore
from signoff.client.waiting import Outcome, Rejection, Waiter, WaitResult

app = typer.Typer(
    help="Change sets on a Signoff server: bundle, preflight, submit, decide, wait.",
    no_args_is_help=True,
)

IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The change set's id.")]
PagesOption = Annotated[
    list[str] | None,
    typer.Option("--page", help="A page id; repeat for each page.", show_default=False),
]
SummaryOption = Annotated[str | None, typer.Option("--summary", show_default=False)]
ReferenceOption = Annotated[
    str | None,
    typer.Option(
        "--reference-url",
        help="Where the change comes from, e.g. the pull request.",
        show_default=False,
    ),
]


class Until(StrEnum):
    in_review = "in_review"
    partially_approved = "partially_approved"
    all_approved = "all_approved"


def _page_ids(pages: list[str] | None) -> list[str] | None:
    if pages is None:
        return None
    return [object_id(page, "--page") for page in pages]


def _space_id(store: PageStore, space: str) -> str:
    """A space given by id, or by key (looked up in the page store)."""
    return space if space.isdigit() else store.space_id(space)


@app.command("create")
def create(
    space: Annotated[
        str,
        typer.Option("--space", help="The space's key (or id).", show_default=False),
    ],
    title: Annotated[str, typer.Option("--title", show_default=False)],
    pages: PagesOption = None,
    summary: SummaryOption = None,
    reference_url: ReferenceOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bundle pages into a new change set."""
    page_ids = _page_ids(pages) or []
    with connected(url, token) as connection:
        space_id = _space_id(PageStore(connection), space)
        change_set = Approvals(connection).create_change_set(
            space_id, title, page_ids, summary=summary, reference_url=reference_url
        )
    _show(as_json, change_set)


@app.command("update")
def update(
    change_set_id: IdArgument,
    title: Annotated[str | None, typer.Option("--title", show_default=False)] = None,
    pages: PagesOption = None,
    summary: SummaryOption = None,
    reference_url: ReferenceOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a change set's title, summary, reference or pages.

    --page replaces the list of pages.
    """
    set_id = object_id(change_set_id, "ID")
    page_ids = _page_ids(pages)
    if title is None and summary is None and reference_url is None and not page_ids:
        fail(
            "nothing to change: give --title, --summary, --reference-url or --page.",
            EXIT_USAGE,
        )
    with connected(url, token) as connection:
        change_set = Approvals(connection).update_change_set(
            set_id,
            title=title,
            summary=summary,
            reference_url=reference_url,
            page_ids=page_ids,
        )
    _show(as_json, change_set)


@app.command("status")
def status(
    change_set_id: IdArgument,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """The change set's rollup and each page's approval."""
    set_id = object_id(change_set_id, "ID")
    with connected(url, token) as connection:
        change_set = Approvals(connection).change_set(set_id)
    _show(as_json, change_set)


@app.command("archive")
def archive(
    change_set_id: IdArgument,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Archive the change set; it is read-only from then on."""
    set_id = object_id(change_set_id, "ID")
    with connected(url, token) as connection:
        change_set = Approvals(connection).archive_change_set(set_id)
    _show(as_json, change_set)


@app.command("preflight")
def preflight(
    change_set_id: IdArgument,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which pages could be submitted now, and why not.

    A page already approved at its current version is nothing to do, not a failure:
    exit 1 only when some other page is blocked.
    """
    set_id = object_id(change_set_id, "ID")
    with connected(url, token) as connection:
        result = read_preflight(Approvals(connection), set_id)
    show_preflight(as_json, result)
    if still_blocked(result):
        raise typer.Exit(EXIT_REFUSED)


def show_preflight(as_json: bool, result: Json) -> None:
    if as_json:
        print_json(answer(result))
        return
    summary = result.get("summary") or {}
    approved = summary.get("alreadyApproved") or 0
    out().print(
        f"Preflight: {text(summary.get('submittable'))} of "
        f"{text(summary.get('total'))} page(s) can be submitted, "
        + (f"{text(approved)} already approved, " if approved else "")
        + f"{still_blocked(result)} blocked."
    )
    out().print(preflight_table(result.get("results") or []))


@app.command("submit")
def submit(
    change_set_id: IdArgument,
    require_all: Annotated[
        bool,
        typer.Option(
            "--require-all", help="Exit 1 when any page was skipped, not only all."
        ),
    ] = False,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit every page that can be; the rest are skipped with their reason.

    Exit 1 when none was submitted (or, with --require-all, when any was skipped).
    """
    set_id = object_id(change_set_id, "ID")
    with connected(url, token) as connection:
        result = Approvals(connection).submit_change_set(set_id)
    show_submit(as_json, result)
    submitted, skipped = result.get("submittedCount", 0), result.get("skippedCount", 0)
    if (skipped and not submitted) or (skipped and require_all):
        raise typer.Exit(EXIT_REFUSED)


def show_submit(as_json: bool, result: Json) -> None:
    if as_json:
        print_json(answer(result))
        return
    out().print(
        f"Submitted {text(result.get('submittedCount'))} page(s), "
        f"skipped {text(result.get('skippedCount'))}."
    )
    out().print(submit_table(result.get("results") or []))


@app.command("decide")
def decide(
    change_set_id: IdArgument,
    approve: Annotated[
        bool, typer.Option("--approve", help="Approve every page you may decide.")
    ] = False,
    reject: Annotated[
        bool, typer.Option("--reject", help="Reject every page you may decide.")
    ] = False,
    comment: Annotated[
        str | None,
        typer.Option(
            "--comment",
            help="One comment for every decision; required with --reject.",
            show_default=False,
        ),
    ] = None,
    versions: Annotated[
        list[str] | None,
        typer.Option(
            "--version",
            metavar="PAGE=N",
            help="The version of a page you reviewed; a page it does not name is "
            "decided at the version under review. Repeat for each page.",
            show_default=False,
        ),
    ] = None,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve or reject, in one act, every page of the set whose review you sit on.

    Pages you may not decide (no seat, your own, already decided, edited since the
    version you name) are skipped with the reason. Exit 1 when nothing was decided.
    """
    set_id = object_id(change_set_id, "ID")
    if approve == reject:
        fail("give exactly one of --approve and --reject.", EXIT_USAGE)
    if reject and not (comment or "").strip():
        fail("--reject needs a --comment saying why.", EXIT_USAGE)
    seen = _versions(versions or [])
    with connected(url, token) as connection:
        result = Approvals(connection).decide_change_set(
            set_id, "approve" if approve else "reject", comment=comment, versions=seen
        )
    show_decide(as_json, result)
    if not result.get("decidedCount"):
        raise typer.Exit(EXIT_REFUSED)


def _versions(given: list[str]) -> dict[str, int]:
    """`--version PAGE=N` options as the API's `versions` map."""
    seen: dict[str, int] = {}
    for value in given:
        page, _, number = value.partition("=")
        if not number.strip().isdigit() or int(number) < 1:
            fail(f"--version must be PAGE=N, such as 101=2, not {value!r}.", EXIT_USAGE)
        seen[object_id(page, "--version PAGE")] = int(number)
    return seen


def show_decide(as_json: bool, result: Json) -> None:
    if as_json:
        print_json(answer(result))
        return
    out().print(
        f"Decided {text(result.get('decidedCount'))} page(s), "
        f"skipped {text(result.get('skippedCount'))}."
    )
    table = Table()
    for column in ("page", "decided", "version", "reason"):
        table.add_column(column)
    for row in result.get("results") or []:
        table.add_row(
            text(row.get("pageId")),
            "yes" if row.get("success") else "[red]no[/red]",
            text(row.get("version")),
            text(row.get("reason")),
        )
    out().print(table)


@app.command("wait")
def wait(
    change_set_id: IdArgument,
    until: Annotated[
        Until, typer.Option("--until", help="The rollup state to wait for.")
    ] = Until.all_approved,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=0.0, help="Give up after this many seconds."),
    ] = 3600.0,
    interval: Annotated[
        float,
        typer.Option("--interval", min=0.01, help="Seconds before the second poll."),
    ] = 5.0,
    max_interval: Annotated[
        float,
        typer.Option(
            "--max-interval", min=0.01, help="Polls back off up to this many seconds."
        ),
    ] = 60.0,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Wait until the change set's rollup reaches a state.

    Exit 0 when reached, 1 on a rejection (showing who rejected and why) or when
    the set is archived, 3 on timeout.
    """
    set_id = object_id(change_set_id, "ID")
    backoff = Backoff(initial=interval, maximum=max(interval, max_interval))
    # The waiter honours Retry-After itself, against its own deadline.
    with connected(url, token, retries=0) as connection:
        waiter = Waiter(Approvals(connection), backoff)
        if as_json:
            result = waiter.wait(set_id, until.value, timeout)
        else:
            result = _wait_visibly(waiter, set_id, until, timeout)
    _show_wait(as_json, result, until)
    if result.outcome is Outcome.timed_out:
        raise typer.Exit(EXIT_TIMED_OUT)
    if result.outcome is not Outcome.reached:
        raise typer.Exit(EXIT_REFUSED)


def _progress_text(change_set: Json, left: float, until: Until) -> str:
    refs = change_set.get("pageRefs") or []
    approved = sum(1 for ref in refs if ref.get("approvalStatus") == "approved")
    return (
        f"Waiting for {until.value}: {text(change_set.get('rollupState'))}, "
        f"{approved}/{len(refs)} page(s) approved, {left:.0f} s left"
    )


def _wait_visibly(
    waiter: Waiter, set_id: str, until: Until, timeout: float
) -> WaitResult:
    """A spinner on a terminal; in a CI log, one line whenever the state changes."""
    console = err()
    seen: list[str] = []
    with Status(f"Waiting for {until.value}...", console=console) as spinner:

        def on_poll(change_set: Json, left: float) -> None:
            line = _progress_text(change_set, left, until)
            spinner.update(line)
            state = str(change_set.get("rollupState"))
            if not console.is_terminal and state not in seen[-1:]:
                console.print(line)
            seen.append(state)

        waiter.on_poll = on_poll
        return waiter.wait(set_id, until.value, timeout)


def _show_wait(as_json: bool, result: WaitResult, until: Until) -> None:
    if as_json:
        print_json(
            {
                "outcome": result.outcome.value,
                "until": until.value,
                "rollupState": result.change_set.get("rollupState"),
                "waitedSeconds": round(result.waited, 3),
                "polls": result.polls,
                "rejections": [_rejection_json(r) for r in result.rejections],
                "changeSet": result.change_set,
            }
        )
        return
    console = out()
    seconds = f"{result.waited:.0f} s"
    if result.outcome is Outcome.reached:
        console.print(f"Reached {until.value} after {seconds}.")
    elif result.outcome is Outcome.timed_out:
        console.print(
            f"Timed out after {seconds}: the change set is "
            f"{text(result.state)}, not {until.value}."
        )
    elif result.outcome is Outcome.archived:
        console.print("The change set was archived while waiting.")
    else:
        console.print(f"The change set has rejections (after {seconds}):")
        console.print(_rejections_table(result.rejections))
    if result.change_set:
        console.print(change_set_line(result.change_set))


def _rejection_json(rejection: Rejection) -> Json:
    return {
        "pageId": rejection.page_id,
        "title": rejection.title,
        "version": rejection.version,
        "by": rejection.by,
        "comment": rejection.comment,
    }


def _rejections_table(rejections: list[Rejection]) -> Table:
    table = Table()
    for column in ("page", "title", "version", "rejected by", "why"):
        table.add_column(column)
    for rejection in rejections:
        table.add_row(
            text(rejection.page_id),
            text(rejection.title),
            text(rejection.version),
            text(rejection.by),
            text(rejection.comment),
        )
    return table


def _show(as_json: bool, change_set: Json) -> None:
    if as_json:
        print_json({"changeSet": change_set})
    else:
        show_change_set(change_set)
