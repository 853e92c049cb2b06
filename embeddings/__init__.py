"""Turning text into vectors: the encoder interface and the bundled model."""
