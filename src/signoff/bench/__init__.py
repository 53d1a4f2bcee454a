"""`signoff bench`: the real actions and queries timed on a throw-away database.

The scenario drives what production does (authorisation, audit chain, outbox) and the
floor measures what the storage alone can do, so every rate has a yardstick.
"""
