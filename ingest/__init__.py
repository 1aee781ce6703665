"""Ingestion: load corpus files, clean them, cut them into cited chunks."""
