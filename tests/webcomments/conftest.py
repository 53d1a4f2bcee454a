"""The webqueue world on both backends, with signed-in clients."""

from webaccount.conftest import world

__all__ = ["world"]
