"""The built-in page store at `/wiki/api/v2`, in Confluence Cloud REST API v2's shapes.

One module per resource (spaces, pages, comments, properties); `calls` authenticates,
`schemas` parses what clients send, `shapes` renders what they read.
"""
