"""Scratch databases on a PostgreSQL server, for runs that measure (the bench, the
load test): a new, empty database under a name of its own, dropped when the run
ends, whatever happened, so a run never touches what else the server holds."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import URL, create_engine, make_url, text


@contextmanager
def scratch_database(server: URL | str, prefix: str) -> Iterator[str]:
    """A new database named `prefix` and random hex on the server `server` reaches
    (its own database serves only to connect); its URL, then it is dropped."""
    server_url = make_url(server)
    name = f"{prefix}{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE ends sessions a failed run may have left open.
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
    finally:
        admin.dispose()
