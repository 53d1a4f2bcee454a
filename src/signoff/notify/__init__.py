"""Outbound side effects: the outbox worker delivers page comments, email and webhooks.

This package holds the pure pieces the worker calls: the webhook URL policy
(`url_policy`), SSRF-safe sending (`outbound`) and message signatures (`signing`).
"""
