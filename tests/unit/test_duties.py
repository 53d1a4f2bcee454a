"""Separation of duties: the submitter and every author of the content under review
are excluded from deciding, unless the workflow allows self-approval."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from signoff.domain.duties import excluded_deciders

SUBMITTER, AUTHOR, EARLIER_AUTHOR = 101, 100, 102


@pytest.mark.parametrize(
    ("authors", "allow_self_approval", "excluded"),
    [
        pytest.param([AUTHOR], False, {SUBMITTER, AUTHOR}, id="submitter-and-author"),
        pytest.param(
            [EARLIER_AUTHOR, AUTHOR],
            False,
            {SUBMITTER, AUTHOR, EARLIER_AUTHOR},
            id="every-author-under-review",
        ),
        pytest.param(
            [EARLIER_AUTHOR, SUBMITTER],
            False,
            {SUBMITTER, EARLIER_AUTHOR},
            id="the-author-of-the-real-change-when-another-re-saved-it",
        ),
        pytest.param([SUBMITTER], False, {SUBMITTER}, id="author-is-the-submitter"),
        pytest.param([None], False, {SUBMITTER}, id="unknown-author"),
        pytest.param([], False, {SUBMITTER}, id="no-author-given"),
        pytest.param([AUTHOR, EARLIER_AUTHOR], True, set(), id="self-approval-allowed"),
        pytest.param([SUBMITTER], True, set(), id="self-approval-author-submits"),
        pytest.param([None], True, set(), id="self-approval-unknown-author"),
    ],
)
def test_excluded_deciders_are_the_submitter_and_every_author_unless_self_approval(
    authors: Sequence[int | None], allow_self_approval: bool, excluded: set[int]
) -> None:
    assert (
        excluded_deciders(
            submitter_id=SUBMITTER,
            authors=authors,
            allow_self_approval=allow_self_approval,
        )
        == excluded
    )


def test_authors_may_be_a_one_shot_iterable() -> None:
    authors = iter([AUTHOR, EARLIER_AUTHOR])
    assert excluded_deciders(
        submitter_id=SUBMITTER, authors=authors, allow_self_approval=False
    ) == {SUBMITTER, AUTHOR, EARLIER_AUTHOR}
