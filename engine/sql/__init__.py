"""The SQL store (SQLite by default, PostgreSQL via DATABASE_URL) on SQLAlchemy Core: `store.SqlStore` mixes in
the parts (`case_reads`, `catalog`, `accounts`, `stats`, `bulletins`, `staff`, `rota`) over `tables`; `engine`
makes the SQLAlchemy engine, `audit` answers the case search. The schema's history is in engine/migrations/."""
