"""Credentials: password hashing, token minting and hashing, and the scopes."""
