"""`signoff confluence`: connect Confluence Cloud sites, link their spaces, map their
people, run a pass now, and see how each site is doing.

Calls to a site are made before or after the transaction that records their
result, never inside it. Tokens come from environment variables, never from the
command line (where `ps` and shell history would show them), and are never
printed. The `--json` objects are `confluence_views`'s.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.status import Status

from signoff.actions.acting import Acting
from signoff.actions.confluence.accounts import do_map_accounts, parse_mapping_csv
from signoff.actions.confluence.by_email import (
    EmailMatch,
    do_map_by_email,
    read_profiles,
)
from signoff.actions.confluence.imports import import_approvals
from signoff.actions.confluence.polling import PassReport, run_pass
from signoff.actions.confluence.sites import (
    NewSite,
    check_new_site,
    do_add_site,
    do_link_space,
    do_update_site,
    find_remote_space,
    find_site,
    new_site,
)
from signoff.actions.unit import unit_of_work, utcnow
from signoff.cli import confluence_views as views
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    err,
    open_database,
    out,
    settings_from,
)
from signoff.config import Settings, site_secret
from signoff.connectors.confluence.connect import site_http
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.http import ConfluenceHttp
from signoff.db.models import ConfluenceSite
from signoff.db.session import Database
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.states import Origin
from signoff.notify.confluence_writes import deliver_confluence_writes
from signoff.notify.poller import reach_of
from signoff.queries.confluence import sites_named
from signoff.queries.confluence_admin import site_statuses, unmapped_authors

app = typer.Typer(
    help="Govern pages that live in Confluence Cloud.", no_args_is_help=True
)
site_app = typer.Typer(help="Connected Confluence sites.", no_args_is_help=True)
space_app = typer.Typer(help="Confluence spaces governed here.", no_args_is_help=True)
user_app = typer.Typer(
    help="Which user each Atlassian account is.", no_args_is_help=True
)
app.add_typer(site_app, name="site")
app.add_typer(space_app, name="space")
app.add_typer(user_app, name="user")

SiteOption = Annotated[
    str, typer.Option("--site", help="The site's name, as `site add` gave it.")
]


def _by() -> Acting[None]:
    return Acting(None, Origin.cli, None, utcnow())


def _from_env(variable: str, option: str) -> str:
    """The secret in the environment variable `variable`: set and not empty."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise BadInput(
            f"{option} {variable}: the environment variable {variable} is not set "
            "or is empty; export the token in it first.",
            field=option,
        )
    return value


EmailOption = Annotated[
    str | None, typer.Option("--email", help="The API token's account email.")
]
TokenEnvOption = Annotated[
    str | None,
    typer.Option("--token-env", help="Environment variable holding the API token."),
]
BearerEnvOption = Annotated[
    str | None,
    typer.Option("--bearer-env", help="Environment variable holding a bearer token."),
]


def _asked(
    name: str,
    url: str,
    email: str | None,
    token_env: str | None,
    bearer_env: str | None,
) -> NewSite:
    """The site as `site add` or `site update` names it, its secret read from the
    environment variable given."""
    if (token_env is None) == (bearer_env is None):
        raise BadInput(
            "Give --email with --token-env VAR, or --bearer-env VAR.",
            field="token-env",
        )
    return new_site(
        name,
        url,
        email=email,
        token=_from_env(token_env, "--token-env") if token_env else None,
        bearer=_from_env(bearer_env, "--bearer-env") if bearer_env else None,
    )


@site_app.command("add")
def add_site(
    name: Annotated[str, typer.Option("--name", help="A short name, e.g. acme.")],
    url: Annotated[
        str,
        typer.Option(
            "--url",
            help="https://SITE.atlassian.net/wiki, or "
            "https://api.atlassian.com/ex/confluence/CLOUD_ID/wiki.",
        ),
    ],
    email: EmailOption = None,
    token_env: TokenEnvOption = None,
    bearer_env: BearerEnvOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Connect a site: its credentials are checked with one call, then sealed."""
    settings = settings_from(data_dir, database_url)
    asked = _asked(name, url, email, token_env, bearer_env)
    web_base = check_new_site(asked, allow=settings.confluence_allow_list)
    with open_database(settings) as db, unit_of_work(db, origin=Origin.cli) as session:
        row = do_add_site(
            session, asked, web_base=web_base, site_key=site_secret(settings), by=_by()
        )
        shown = (row.name, row.base_url, row.auth)
    emit(
        as_json,
        views.site_json(*shown),
        f"Connected Confluence site [bold]{escape(shown[0])}[/bold] "
        f"({escape(shown[1])}, {shown[2]} auth).",
    )


@site_app.command("update")
def update_site(
    name: Annotated[str, typer.Option("--name", help="The site's name.")],
    email: EmailOption = None,
    token_env: TokenEnvOption = None,
    bearer_env: BearerEnvOption = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="A new address; the stored one if left out."),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a site new credentials (checked with one call) after a token was
    revoked or expired; the site's failures are forgotten."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        with db.read() as session:
            stored_url = find_site(session, name).base_url
        asked = _asked(name, url or stored_url, email, token_env, bearer_env)
        web_base = check_new_site(asked, allow=settings.confluence_allow_list)
        with unit_of_work(db, origin=Origin.cli) as session:
            row = do_update_site(
                session,
                find_site(session, name),
                asked,
                web_base=web_base,
                site_key=site_secret(settings),
                by=_by(),
            )
            shown = (row.name, row.base_url, row.auth)
    emit(
        as_json,
        views.site_json(*shown),
        f"Updated Confluence site [bold]{escape(shown[0])}[/bold] "
        f"({escape(shown[1])}, {shown[2]} auth).",
    )


def _http(site: ConfluenceSite, settings: Settings) -> ConfluenceHttp:
    """Calls to a stored site; `InvalidState` when its credential does not open."""
    try:
        return site_http(
            site, site_key=site_secret(settings), allow=settings.confluence_allow_list
        )
    except ConfluenceError as error:
        raise InvalidState(f"Site {site.name}: {error}") from None


@space_app.command("link")
def link_space(
    site: SiteOption,
    confluence_space: Annotated[
        str, typer.Option("--confluence-space", help="The space's key in Confluence.")
    ],
    space: Annotated[
        str, typer.Option("--space", help="The Signoff space (created if missing).")
    ],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Govern a Confluence space's pages in a Signoff space."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        with db.read() as session:
            http = _http(find_site(session, site), settings)
        remote = find_remote_space(http, confluence_space)
        with unit_of_work(db, origin=Origin.cli) as session:
            link = do_link_space(
                session, find_site(session, site), remote, space, by=_by()
            )
            shown = views.link_json(site, remote.key, remote.id, space, link.space_id)
    emit(
        as_json,
        shown,
        f"Confluence space [bold]{escape(remote.key)}[/bold] of {escape(site)} is "
        f"governed in space [bold]{escape(space)}[/bold].",
    )


@user_app.command("map")
def map_users(
    site: SiteOption,
    account_id: Annotated[
        str | None, typer.Option("--account-id", help="An Atlassian account id.")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="The Signoff username it is.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="A CSV of accountId,username lines.", dir_okay=False
        ),
    ] = None,
    by_email: Annotated[
        bool,
        typer.Option(
            "--by-email",
            help="Map unmapped authors to the users with the email the site shows.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Say which Signoff user an Atlassian account is (for mentions and authorship)."""
    pair = account_id is not None or user is not None
    if [pair, file is not None, by_email].count(True) != 1:
        raise BadInput(
            "Give --account-id ID --user USERNAME, or --file CSV, or --by-email.",
            field="account-id",
        )
    if pair and (account_id is None or user is None):
        raise BadInput("--account-id and --user go together.", field="account-id")
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        if by_email:
            matches = _map_by_email(db, site, settings)
        else:
            pairs = _read_csv(file) if file else [(account_id or "", user or "")]
            with unit_of_work(db, origin=Origin.cli) as session:
                do_map_accounts(session, find_site(session, site), pairs, by=_by())
            matches = [EmailMatch(a, "", None, u, None) for a, u in pairs]
    if as_json:
        emit(True, views.mapped_json(site, matches), "")
    elif by_email:
        out().print(views.matches_table(matches) if matches else "Nobody to map.")
    else:
        out().print(f"Mapped {len(matches)} account(s) on {escape(site)}.")


def _read_csv(file: Path) -> list[tuple[str, str]]:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"--file {file}: {error}", field="file") from None
    return parse_mapping_csv(text)


def _map_by_email(db: Database, site: str, settings: Settings) -> list[EmailMatch]:
    """Read who is unmapped, ask the site for their profiles, then map: the call to
    the site between the two transactions."""
    with db.read() as session:
        row = find_site(session, site)
        asked = unmapped_authors(session, row.id)
        http = _http(row, settings) if asked else None
    profiles = read_profiles(http, asked) if http is not None else []
    with unit_of_work(db, origin=Origin.cli) as session:
        return do_map_by_email(
            session, find_site(session, site), asked, profiles, by=_by()
        )


@app.command("sync")
def sync(
    site: Annotated[
        str | None, typer.Option("--site", help="Only this site (default: every one).")
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """One pass now: new pages and versions of every linked space, then the writes
    back that are due. Exits 1 when a site or space failed (the errors on stderr)."""
    settings = settings_from(data_dir, database_url)
    site_key = site_secret(settings)
    reach = reach_of(settings, site_key)
    report = PassReport()
    with open_database(settings) as db:
        with db.read() as session:
            found = sites_named(session, site)
            names = [row.name for row in found]
            only = found[0].id if site is not None else None
        with Status("Starting the pass...", console=err()) as status:
            for number, name in enumerate(names, start=1):
                status.update(f"Polling site {name} ({number}/{len(names)})...")
                _merge(report, run_pass(db, reach, site_name=name, clock=utcnow))
            status.update("Writing back to Confluence...")
            written = deliver_confluence_writes(
                db, settings, site_key=site_key, clock=utcnow, site_id=only
            )
    counts = views.sync_counts(report, written)
    emit(
        as_json,
        counts,
        f"Saw {counts['pagesSeen']} page(s) on {len(names)} site(s): "
        f"{counts['versionsRecorded']} new version(s) recorded, "
        f"{counts['superseded']} review(s) superseded, {counts['staled']} "
        f"approval(s) made stale, {counts['writesBack']} write(s) back; waited "
        f"{counts['waitedForRateLimitSeconds']} s for rate limits.",
    )
    for problem in report.errors:
        err().print(f"error: {problem}", markup=False)
    if report.errors:
        raise typer.Exit(1)


def _merge(total: PassReport, one: PassReport) -> None:
    total.pages_seen += one.pages_seen
    total.recorded.add(one.recorded)
    total.waited_seconds += one.waited_seconds
    total.errors.extend(one.errors)


@app.command("status")
def status(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each site's health, and per linked space: last pass, watermark, last error."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        sites = site_statuses(session, utcnow())
    if as_json:
        emit(True, views.status_json(sites), "")
        return
    if not sites:
        out().print("No Confluence site is connected.")
        return
    out().print(views.sites_table(sites))
    if any(site.links for site in sites):
        out().print(views.links_table(sites))
    else:
        out().print("No Confluence space is linked yet.")


@app.command("import-approvals")
def import_product004(
    site: SiteOption,
    space: Annotated[
        str, typer.Option("--space", help="The linked Signoff space's key.")
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be imported; write nothing."),
    ] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take over product 004's approvals: each page's njyzjq_capable_approval
    property becomes a review in Signoff's history (read only, never written)."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db:
        with db.read() as session:
            http = _http(find_site(session, site), settings)
        report = import_approvals(
            db, http, site_name=site, space_key=space, dry_run=dry_run, clock=utcnow
        )
    if as_json:
        emit(True, views.import_json(report, dry_run=dry_run), "")
        return
    out().print(views.import_table(report, dry_run=dry_run))
    verb = "Would import" if dry_run else "Imported"
    out().print(f"{verb} {report.imported} page(s); skipped {report.skipped}.")
