"""Imports: file formats, reading and validation, writing one file in one transaction."""
