"""Scoring newsdesk on SQuAD-format questions (EM/F1, recall@k, latency)."""
