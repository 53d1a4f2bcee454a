"""Storage: SQLAlchemy 2 models, engine and session setup, and Alembic migrations."""
