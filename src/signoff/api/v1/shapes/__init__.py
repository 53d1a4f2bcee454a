"""`/api/v1`'s answers built from the read models' typed values, one module per
resource.

Queries return values (ints, datetimes, the domain's enums); each function here turns
them into the response models of `api/v1/responses.py`, which are the shapes
themselves: how a value is written (ids as strings, times with `Z`) is declared there
once. The CLI's `--json` prints the same objects through these functions.
"""
