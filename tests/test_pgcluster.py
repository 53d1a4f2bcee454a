"""The private PostgreSQL cluster helper starts, serves, and cleans up."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from signoff.db import pgcluster
from signoff.db.pgcluster import PostgresStartError, postgres_cluster


def test_cluster_serves_a_database_and_is_removed_on_exit() -> None:
    with postgres_cluster() as cluster:
        data_dir = cluster.data_dir
        assert data_dir.is_dir()
        url = cluster.create_database("signoff_check")
        assert url == (
            f"postgresql+psycopg://postgres@/signoff_check"
            f"?host={cluster.socket_dir}&port={cluster.port}"
        )

        with psycopg.connect(
            host=str(cluster.socket_dir),
            port=cluster.port,
            user="postgres",
            dbname="signoff_check",
        ) as conn:
            row = conn.execute("select version()").fetchone()
            assert row is not None
            assert str(row[0]).startswith("PostgreSQL ")
            row = conn.execute("show synchronous_commit").fetchone()
            assert row == ("on",)
            conn.execute("create table t (id int primary key, name text not null)")
            conn.execute("insert into t values (1, 'one')")
            conn.commit()

        # the URL works as given, through SQLAlchemy
        engine = sa.create_engine(url)
        try:
            with engine.connect() as sa_conn:
                name = sa_conn.execute(sa.text("select name from t")).scalar_one()
                assert name == "one"
        finally:
            engine.dispose()

        cluster.drop_database("signoff_check")
        with pytest.raises(psycopg.OperationalError, match="signoff_check"):
            psycopg.connect(cluster.conninfo("signoff_check")).close()

    assert not data_dir.exists()
    assert not cluster.root.exists()


def test_startup_failure_reports_the_server_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        pgcluster, "_SERVER_OPTIONS", ("-c listen_addresses=''", "-c no_such=1")
    )
    with (
        pytest.raises(PostgresStartError, match="no_such") as info,
        postgres_cluster(),
    ):
        pytest.fail("the server should not have started")
    assert "tail of" in str(info.value)
