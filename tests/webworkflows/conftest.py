"""The webqueue world (a DOCS space with every role, a default one-step workflow, pages
approved, rejected, stale and pending) on both backends, with signed-in clients."""

from webaccount.conftest import world

__all__ = ["world"]
