"""Credentials: password hashing, token minting and hashing, and the scope vocabulary."""
