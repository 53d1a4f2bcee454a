"""Work released together on threads of its own, as concurrent requests arrive."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Run each worker on its own thread, all started at once; what they raised."""
    barrier = threading.Barrier(len(workers))
    failures: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as error:  # collected and asserted on by the caller
            failures.append(error)

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
