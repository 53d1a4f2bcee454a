"""The only code that changes state: authorise, apply the rule, write, audit, queue.

Every action takes the session and who acts as one keyword, `by` (`acting.Acting`:
actor, origin, client id and time), flushes and never commits: the caller's unit of
work owns the transaction.
"""
