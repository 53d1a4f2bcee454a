"""A client for pipelines over Signoff's HTTP APIs; it speaks only HTTP.

`connection` sends requests and maps refusals to errors, `approvals` and `store` name
the endpoints of `/api/v1` and `/wiki/api/v2`, `waiting` polls a change set's rollup,
and `documents`, `rendering`, `mapping` and `sync` turn a folder of files into pages.
"""
