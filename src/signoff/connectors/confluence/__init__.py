"""Confluence Cloud as a content source: pages stay where people write them.

`site_url` reads the base URL a person copies, `errors` Confluence's three error
envelopes, `gate` the one pace every worker keeps with a site (`Retry-After`
honoured, backoff with jitter), and `http` the calls themselves, through the
outbound URL policy and its pinned transport.
"""
