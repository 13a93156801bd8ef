"""The exception store: SQLAlchemy models, Alembic migrations, the repository."""
