"""The store: SQLAlchemy models, engines for SQLite and PostgreSQL, and Alembic migrations."""
