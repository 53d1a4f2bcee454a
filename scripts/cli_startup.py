"""Print how long `signoff` takes to start: the pipeline commands and an admin one.

Each command runs as a fresh process five times; the best run is printed, since
startup is what a CI step pays on an idle machine. `make startup` runs this with
the project's virtualenv; nothing here asserts a figure.
"""

import subprocess
import sys
import time
from pathlib import Path

SIGNOFF = str(Path(sys.executable).with_name("signoff"))
COMMANDS = (
    ["--help"],
    ["changeset", "status", "--help"],
    ["page", "submit", "--help"],
    ["sync", "--help"],
    ["db", "upgrade", "--help"],
)
RUNS = 5


def best_seconds(args: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([SIGNOFF, *args], capture_output=True, check=True)  # noqa: S603
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    for args in COMMANDS:
        command = " ".join(["signoff", *args])
        print(f"{command:<36} {best_seconds(args):6.2f} s")  # noqa: T201


if __name__ == "__main__":
    main()
