"""The directory where several worker processes keep their metrics, prepared by the
server's parent process before any worker starts.

It imports nothing of prometheus-client on purpose: the library chooses, when it is
first imported, between keeping figures in memory and writing them under
`PROMETHEUS_MULTIPROC_DIR`, so the variable must be set before that import.
"""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_SUBDIR = "metrics"


def prepare_metrics_dir(data_dir: Path) -> Path:
    """Make `<data_dir>/metrics/` empty and name it in `PROMETHEUS_MULTIPROC_DIR`.

    Call it in the server's parent process before any worker starts and before
    anything imports prometheus-client: the workers inherit the variable and write
    their figures there. Files of a previous run are removed, as prometheus-client
    requires, so counters start from zero with the server.
    """
    directory = data_dir.resolve() / METRICS_SUBDIR
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(directory)
    return directory
