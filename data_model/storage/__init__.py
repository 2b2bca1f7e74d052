"""Where the data lives: the DuckDB file, its schema and migrations, the catalogue seed."""
