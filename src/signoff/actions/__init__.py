"""The only code that changes state: authorise, apply the rule, write, audit, queue.

Every action takes the session and explicit `actor`, `origin`, `client_id` and `now`,
flushes and never commits: the caller's unit of work owns the transaction.
"""
