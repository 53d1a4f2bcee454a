"""The webqueue world (a DOCS space with every role) on SQLite, for the analytics
dashboard: the same fixture as the account and audit pages."""

from webaccount.conftest import world

__all__ = ["world"]
