"""Read one page's status from many threads at once in a cold process, and report.

Run as a script by `test_shared_statements.py`: `python status_hammer.py URL PAGE_ID`.
The process imports Signoff afresh (no statement built or compiled yet), switches
threads as often as the interpreter allows, releases every thread together, and
prints a JSON report: the distinct answers, errors, and any SQLAlchemy warning.
"""

from __future__ import annotations

import json
import sys
import threading
import warnings

THREADS = 32
READS = 3


def main(url: str, page_id: int) -> None:
    caught: list[str] = []

    def keep(message: Warning | str, category: type[Warning], *_: object) -> None:
        caught.append(f"{category.__name__}: {message}")

    warnings.simplefilter("always")
    warnings.showwarning = keep  # type: ignore[assignment]

    from signoff.api.v1.responses import plain
    from signoff.api.v1.shapes.pages import page_status_out
    from signoff.db.models import Page
    from signoff.db.session import Database, make_engine
    from signoff.queries.status import page_status

    db = Database(make_engine(url))
    sys.setswitchinterval(1e-6)
    start = threading.Barrier(THREADS)
    answers: set[str] = set()
    errors: list[str] = []

    def read() -> None:
        start.wait()
        try:
            for _ in range(READS):
                with db.read() as session:
                    page = session.get(Page, page_id)
                    assert page is not None
                    status = plain(
                        page_status_out(page_status(session, page)),
                        exclude={"success"},
                    )
                answers.add(json.dumps(status, sort_keys=True))
        except Exception as error:  # reported to the test
            errors.append(repr(error)[:300])

    threads = [threading.Thread(target=read) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = {"answers": sorted(answers), "errors": errors, "warnings": caught}
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
