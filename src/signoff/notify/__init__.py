"""Outbound side effects: the outbox worker delivers page comments, email and webhooks.

Deliveries go through `delivery` (SSRF-safe webhook sending, on `outbound`'s policy
and pinned transport) and are signed by `signing`; `worker` and `sweeper` run them.
"""
