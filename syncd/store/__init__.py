"""The durable store: SQLAlchemy Core on SQLite or PostgreSQL."""
