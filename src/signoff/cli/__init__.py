"""The `signoff` command line: admin commands that run actions directly (one module
per command group), wired together in `main`."""
