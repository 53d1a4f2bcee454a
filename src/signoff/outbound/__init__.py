"""What the server may reach outside itself, and how: below `config` and `notify`.

A URL that a person types but the server fetches (a webhook target, later a content
source's site) is checked by `url_policy` against the addresses `addresses` parses
and the exceptions `allowlist` grants; `pinned` then connects only to the addresses
checked. `smtp_url` reads the mail server's setting, and `secrets` derives the
webhook signing secrets from the site key.
"""
