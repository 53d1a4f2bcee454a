"""Reference product 004's approval property, as the yardstick for `signoff-approval`.

Its own sample (`tests/data/compat/product-004-property.json`) fixes the field names,
their order and their JSON types; Signoff's value must match them field by field, with
only Signoff's extras (`version`, `statusName`, `isStale`) added after them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from corpora import PRODUCT_004_PROPERTY_FILE

SAMPLE: dict[str, Any] = json.loads(PRODUCT_004_PROPERTY_FILE.read_text())["results"][
    0
]["value"]
EXTRAS = {"version": "int", "statusName": "str", "isStale": "bool"}
STATUS_CODES = {
    "pending": 0,
    "approved": 1,
    "rejected": 2,
    "cancelled": 3,
    "superseded": 4,
    "expired": 5,
}
PEOPLE = ("createdBy", "latestVersionBy")


def json_type(value: object) -> str:
    """The JSON type of a decoded value; a bool is no int here, as in JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    for kind, name in ((int, "int"), (str, "str"), (list, "list"), (dict, "dict")):
        if isinstance(value, kind):
            return name
    raise AssertionError(f"not a JSON value: {value!r}")


def epoch_ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def assert_shaped_like_product_004(
    value: dict[str, Any], *, unnamed: Iterable[str] = ()
) -> None:
    """`value` has the sample's fields, in its order, each of its JSON type (lists of
    strings for people), then Signoff's extras. The people in `unnamed` may be null:
    on a Confluence page, someone with no Atlassian account mapped is named by none."""
    assert list(value) == [*SAMPLE, *EXTRAS]
    for field, example in SAMPLE.items():
        if field in unnamed and value[field] is None:
            continue
        assert json_type(value[field]) == json_type(example), field
        if isinstance(example, list):
            assert all(json_type(person) == "str" for person in value[field]), field
    for field, kind in EXTRAS.items():
        assert json_type(value[field]) == kind, field
    assert value["isComplete"] in ("true", "false")
    assert value["status"] == STATUS_CODES[value["statusName"]]
    assert value["isComplete"] == (
        "false" if value["statusName"] == "pending" else "true"
    )
