"""A stand-in for one Confluence Cloud site, served over real HTTP on loopback.

It imitates the REST surface Signoff's Confluence connector uses (REST v2 pages,
versions, footer comments, content properties, labels, users; v1 users, labels and
CQL search), with Confluence's own error shapes and switchable faults. It imports
nothing from `signoff`: it is an independent imitation of the remote service.
"""

from confluence_site.clock import SiteClock, confluence_time
from confluence_site.server import RunningSite, run_site
from confluence_site.site import ConfluenceSite

__all__ = ["ConfluenceSite", "RunningSite", "SiteClock", "confluence_time", "run_site"]
