"""Scoped read queries: parameterised SQL to DataFrames, every one for a Viewer."""
