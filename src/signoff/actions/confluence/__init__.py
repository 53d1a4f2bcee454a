"""Governing Confluence Cloud pages: sites, linked spaces, accounts and the pass.

`sites` connects a site and links its spaces, `accounts` says which Signoff user
each Atlassian account is, and `polling` records what changed on the site since
the last pass, through the same edit path as the built-in store.
"""
