"""Choosing a reader by name ("default", "baseline", a model folder) and saying how it will run."""

from __future__ import annotations

import logging
from pathlib import Path

from newsdesk.errors import UsageError
from newsdesk.types import Reader

from .config import FILE_NAME, ReaderConfig

log = logging.getLogger(__name__)


def reader_plan(choice: str, runtime: str) -> dict:
    """How the reader ``choice`` will run, without loading it: ``{"name", "runtime", "precision"}``."""
    from newsdesk.embeddings.onnx_runtime import onnxruntime_available

    if choice == "baseline":
        return {"name": "baseline", "runtime": "rules", "precision": "no model"}
    from .neural import SHIPPED_DIR, torch_precision

    if choice == "default":
        if not (SHIPPED_DIR / FILE_NAME).is_file():
            return {"name": "baseline (the trained reader is not installed)", "runtime": "rules", "precision": "no model"}
        if runtime == "onnx" and onnxruntime_available():
            return {"name": "default", "runtime": "onnx", "precision": ReaderConfig.load(SHIPPED_DIR).precision}
    return {"name": choice, "runtime": "torch", "precision": torch_precision()}


def make_reader(choice: str, runtime: str = "onnx") -> Reader:
    """The reader named by ``choice``: "default", "baseline", or a local model directory."""
    from .baseline import BaselineReader

    if choice == "baseline":
        return BaselineReader()
    from .neural import SHIPPED_DIR, NeuralReader

    if choice == "default":
        if not (SHIPPED_DIR / FILE_NAME).is_file():  # a checkout without trained weights
            log.warning("the trained reader is not installed; using the baseline reader")
            return BaselineReader()
        return NeuralReader(None, runtime)
    path = Path(choice).expanduser()
    if not (path / FILE_NAME).is_file() and not (path / "config.json").is_file():
        raise UsageError(f"--reader {choice!r} is not a model directory (use 'default', 'baseline' or the path "
                         "of a Hugging Face question-answering model)")
    return NeuralReader(path, runtime)


def verifier_plan(choice: str, reader: str, runtime: str) -> dict:
    """How the verifier ``choice`` will run with ``reader``, without loading it (as ``reader_plan``)."""
    from newsdesk.embeddings.onnx_runtime import onnxruntime_available

    from .neural import torch_precision
    from .verifier import CONFIG_FILE, SHIPPED_DIR, AnswerVerifier, VerifierConfig

    if choice == "none" or (choice == "default" and (reader != "default" or not AnswerVerifier.available())):
        return {"name": "none", "runtime": "the reader's order", "precision": "no model"}
    directory = SHIPPED_DIR if choice == "default" else Path(choice).expanduser()
    try:
        config = VerifierConfig.load(directory / CONFIG_FILE)
    except ValueError as error:  # info reports, it does not fail
        return {"name": choice, "runtime": "none", "precision": "no model", "note": str(error)}
    if runtime == "onnx" and onnxruntime_available():
        return {"name": choice, "runtime": "onnx", "precision": config.precision}
    return {"name": choice, "runtime": "torch", "precision": torch_precision()}


def make_verifier(choice: str, reader: str, runtime: str = "onnx"):
    """The answer verifier named by ``choice`` ("default", "none" or a verifier directory), or None.
    "default" is the shipped verifier, trained on the shipped reader's candidates: with another
    reader, or where it is not installed, there is none."""
    from .verifier import CONFIG_FILE, SHIPPED_DIR, AnswerVerifier, VerifierConfig

    if choice == "none":
        return None
    if choice == "default":
        return AnswerVerifier(SHIPPED_DIR, runtime) if reader == "default" and AnswerVerifier.available() else None
    path = Path(choice).expanduser()
    if not AnswerVerifier.available(path):
        raise UsageError(f"verifier {choice!r} is not a verifier directory (use 'default', 'none' or a folder "
                         "written by newsdesk.training.train_verifier)")
    try:  # a broken settings file is one line now, not a traceback at the first question
        VerifierConfig.load(path / CONFIG_FILE)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return AnswerVerifier(path, runtime)
