"""Pure rules of the approval engine: states, outcomes, staleness, rollup, hashing.

Nothing here does I/O or knows about SQLAlchemy or HTTP; an import contract keeps it so.
"""
