"""Per-version approval records at `/rest/approvalmacro/1.0`, in product 003's shapes.

Scripts written for that product's REST API work unchanged against Signoff: read a
page version's record, ask for (or change) the approval of the current version,
approve or reject a version. Tokens, scopes, audit and idempotency are `/api/v1`'s.
"""
