"""The throw-away PostgreSQL cluster, under the name the tests import it by.

The code lives in `signoff.db.pgcluster`, where the load test can import it too.
"""

from signoff.db.pgcluster import (
    PostgresCluster,
    PostgresNotFoundError,
    PostgresStartError,
    find_postgres_bin_dir,
    postgres_cluster,
)

__all__ = [
    "PostgresCluster",
    "PostgresNotFoundError",
    "PostgresStartError",
    "find_postgres_bin_dir",
    "postgres_cluster",
]
