"""The OAuth 2.0 authorization server, an interface beside the REST API and the web.

`routes` is its HTTP face, `server` the synchronous core each route runs, `grants`
the codes and tokens it issues (through `actions.oauth`), and `http` the neutral
request and response values between them.
"""
