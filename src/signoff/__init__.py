"""Signoff: version-aware approval of documentation pages.

The package is layered: pure rules in `domain`, storage in `db`, the only writers in
`actions`, read models in `queries`, and the interfaces (`api`, `web`, `cli`) on top.
"""

__version__ = "0.1.0"
