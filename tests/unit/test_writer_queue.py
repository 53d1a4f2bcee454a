"""The writer queue on its own: turns in arrival order, re-entry, giving up in time."""

from __future__ import annotations

import threading
import time

import pytest

from signoff.db.writer_queue import WriterQueue


def test_a_free_queue_gives_the_turn_at_once_without_counting_a_wait() -> None:
    queue = WriterQueue()
    assert queue.acquire()
    assert (queue.busy, queue.ticket) == (True, 0)
    queue.release()
    assert (queue.busy, queue.ticket) == (False, None)
    stats = queue.stats()
    assert (stats.entries, stats.waits, stats.wait_seconds) == (1, 0, 0.0)


def test_the_holder_takes_the_turn_again_instead_of_waiting_for_itself() -> None:
    queue = WriterQueue()
    assert queue.acquire()
    assert queue.acquire()  # a nested write of the same thread
    queue.release()
    assert queue.busy  # the outer turn still holds
    queue.release()
    assert not queue.busy


def test_a_waiter_whose_time_runs_out_leaves_the_line_holding_nothing() -> None:
    queue = WriterQueue()
    queue.acquire()
    answers: list[bool] = []
    other = threading.Thread(target=lambda: answers.append(queue.acquire(0)))
    other.start()
    other.join()
    assert answers == [False]
    queue.release()
    assert not queue.busy  # nobody was left in line to hand the turn to
    assert queue.acquire(0)


def test_the_turn_goes_to_the_longest_waiter_not_to_a_newcomer() -> None:
    queue = WriterQueue()
    queue.acquire()
    entered: list[int] = []

    def wait_in_line(n: int) -> None:
        assert queue.acquire()
        entered.append(n)
        queue.release()

    threads = []
    for n in range(5):  # each joins the line before the next starts
        thread = threading.Thread(target=wait_in_line, args=(n,))
        thread.start()
        while queue.waiting < n + 1:
            time.sleep(0.001)  # yield until it stands in line
        threads.append(thread)
    queue.release()
    for thread in threads:
        thread.join()
    assert entered == [0, 1, 2, 3, 4]
    assert queue.stats().waits == 5


def test_releasing_a_free_queue_is_refused() -> None:
    with pytest.raises(RuntimeError, match="released more than taken"):
        WriterQueue().release()
