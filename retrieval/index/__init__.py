"""The index: chunks, vectors and BM25 in memory, their build, and the versions on disk.
Imports sources (never answering)."""
