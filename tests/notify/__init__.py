"""Tests of the outbound webhook pieces: URL policy, sending, signatures."""
