"""The service's settings: ``Settings`` (everything configurable, built at the edges from
options and the environment, passed down as plain values) and ``UrlOptions`` (how
``Newsdesk.add_url`` fetches). Both are part of the service's API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .index.chunk import ChunkerSettings


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read by the front ends and passed down as plain values."""

    home: Path
    model_path: str | None = None  # None: the bundled all-MiniLM-L6-v2
    reader: str = "default"  # "default" (the shipped trained reader), "baseline", or a model directory
    runtime: str = "onnx"  # "onnx" (encoder and reader exported to ONNX, int8) or "torch" (the plain path)
    # "default" (the shipped answer verifier, with the shipped reader), "none", or a verifier directory
    verifier: str = "default"
    chunker: ChunkerSettings = ChunkerSettings()
    # "auto", "flat", "ivf" or "ivf-sq8" (retrieval/index/vectors.py); None keeps the index's own choice
    index_type: str | None = None
    # Where ingest and rebuild read, chunk and embed: "local", or "ray" (retrieval/index/ray_engine.py) on
    # the cluster at ray_address (None: a local one Ray starts), with ray_workers workers (None: a CPU each)
    engine: str = "local"
    ray_address: str | None = None
    ray_workers: int | None = None


@dataclass(frozen=True)
class UrlOptions:
    """How ``Newsdesk.add_url`` fetches: the caller's limits and its address policy."""

    timeout_s: float = 10.0
    max_bytes: int = 2 * 1024 * 1024
    allow_private: bool = False  # NEWSDESK_ALLOW_PRIVATE_URLS, read at the edge
    user_agent: str = "newsdesk"
