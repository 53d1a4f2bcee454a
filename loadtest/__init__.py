"""`make loadtest`: Signoff served on loopback, driven by Locust, figures printed.

`python -m loadtest` seeds a fresh database (`world.py`), starts `signoff serve` on
it, runs Locust headless twice with the same number of users for the same time (the
mixed read and approve workload, then a trivial endpoint for the framework's own
ceiling, `locustfile.py`), checks what the server stored against what it answered,
and prints the figures (`report.py`).
"""
