"""Everything between an article and an Answer: ingest, clean, chunk, index, search, read."""
