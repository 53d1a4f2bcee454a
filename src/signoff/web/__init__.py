"""The web UI: server-rendered pages, sessions in the database, security headers.

Routes parse the form, call one action or query, and render a Jinja2 template; no
page carries inline script or style, so the Content-Security-Policy can forbid both.
"""
