"""ONNX Runtime for the bundled models: exported once from the local weights, cached, then
loaded without torch.

The first use of a model exports it with ``torch.onnx`` (about 15 s), fuses its BERT operators,
quantises its weights to int8 per output channel (ONNX Runtime's dynamic quantisation:
activations are quantised on the fly, VNNI instructions run where the CPU has them), and keeps
the file under the cache directory.  Every later process loads the cached file with onnxruntime alone,
which is what makes ``newsdesk ask`` start quickly.  Nothing is downloaded.

The cache key is the source weights (path, size, modification time), the recipe version and the
onnxruntime version, so an upgraded package or retrained reader is exported again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Iterable, Sequence

from newsdesk.config import cache_dir  # noqa: F401  (the model cache; also imported from here)
from newsdesk.errors import NewsdeskError

RECIPE_VERSION = 1  # bump when the export or quantisation recipe changes
PRECISIONS = ("int8", "fp32")


class RuntimeUnavailable(NewsdeskError):
    """A model could not be exported or loaded for ONNX Runtime (the reader then falls back to
    torch; for the encoder the message says to use ``--runtime torch``)."""


def fingerprint(sources: Iterable[Path], **recipe) -> str:
    """A short key for compiled files: the sources' identity, the recipe and the runtime version."""
    import onnxruntime

    parts = [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in map(Path, sources)]
    blob = json.dumps([parts, recipe, RECIPE_VERSION, onnxruntime.__version__], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def compiled_model(name: str, sources: list[Path], recipe: dict, export: Callable[[Path], None], precision: str,
                   heads: int, hidden: int, keep_float: Sequence[str] = ()) -> Path:
    """The cached ONNX file ``name-key-precision.onnx`` for ``sources`` (the weights) and
    ``recipe``, made by ``export`` (+ int8, except the nodes named in ``keep_float``) if missing.

    Several processes may ask at once: one exports under a file lock, the others wait and reuse.
    A new export removes the files it supersedes (same weights' paths, older identity).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r} (choose from {', '.join(PRECISIONS)})")
    folder = cache_dir()
    key = fingerprint(sources, **recipe, **({"keep_float": sorted(keep_float)} if keep_float else {}))
    target = folder / f"{name}-{key}-{precision}.onnx"
    if target.is_file():
        return target
    from filelock import FileLock

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder / f".{name}.lock")):
            if not target.is_file():
                print(f"Preparing the fast {name} ({precision}, once; cached in {folder})…", file=sys.stderr, flush=True)
                fp32 = folder / f"{name}-{key}-fp32.onnx"
                if not fp32.is_file():
                    _atomically(fp32, lambda path: (export(path), fuse_bert_operators(path, heads, hidden)))
                if precision == "int8":
                    _atomically(target, lambda path: quantize_int8(fp32, path, keep_float))
                    fp32.unlink(missing_ok=True)  # 4x the size of the int8 file and not needed by default
                remove_superseded(folder, name, key, [str(p) for p in sources])
    except OSError as error:  # creating the folder or its lock: a read-only, full or mistyped cache
        raise RuntimeUnavailable(f"cannot write to the model cache {folder} ({error.strerror}); set NEWSDESK_CACHE "
                                 "to a writable folder or use --runtime torch") from None
    return target


def remove_superseded(folder: Path, name: str, key: str, sources: list[str]) -> list[Path]:
    """Record ``key``'s sources, then delete ``name``'s compiled files made from the same
    weights' paths under another key (the weights or the recipe changed since), from weights
    that no longer exist, or with no record (made by an older newsdesk). Returns what went.
    Exports that share only some paths stay: two readers on the one bundled encoder are two
    models, and evicting each other would re-export on every switch."""
    (folder / f"{name}-{key}.sources.json").write_text(json.dumps(sources), encoding="utf-8")
    records = {record.name[len(name) + 1 : -len(".sources.json")]: record
               for record in folder.glob(f"{name}-*.sources.json")}
    removed = []
    for other, record in records.items():
        try:
            their_sources = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            their_sources = []
        if other != key and (set(their_sources) == set(sources) or not all(map(os.path.exists, their_sources))):
            removed += [*folder.glob(f"{name}-{other}-*.onnx"), record]
    removed += [path for path in folder.glob(f"{name}-*-*.onnx")  # exports from before records were kept
                if path.name[len(name) + 1 :].rsplit("-", 1)[0] not in records]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _atomically(target: Path, write: Callable[[Path], None]) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(partial)
        os.replace(partial, target)
    except Exception as error:
        partial.unlink(missing_ok=True)
        raise RuntimeUnavailable(f"could not prepare {target.name} in {target.parent} ({type(error).__name__}: "
                                 f"{error}); set NEWSDESK_CACHE to a writable folder or use --runtime torch") from error


def export_to_onnx(module, example_inputs: dict, output_names: list[str], path: Path) -> None:
    """Trace ``module`` (keyword inputs, batch and sequence axes dynamic) into ``path``."""
    import warnings

    import torch

    names = list(example_inputs)
    dynamic = {n: {0: "batch", 1: "sequence"} for n in names + output_names}
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shapes that are dynamic by design
        torch.onnx.export(module, tuple(example_inputs.values()), str(path), input_names=names,
                          output_names=output_names, dynamic_axes=dynamic, opset_version=17, dynamo=False)


def fuse_bert_operators(path: Path, heads: int, hidden: int) -> None:
    """Rewrite ``path`` with ONNX Runtime's BERT fusions (attention, layer norm, GELU) in place."""
    from onnxruntime.transformers.optimizer import optimize_model

    quiet = logging.getLogger("onnxruntime.transformers")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # fusion statistics, not for users
    try:
        optimize_model(str(path), model_type="bert", num_heads=heads, hidden_size=hidden,
                       opt_level=1).save_model_to_file(str(path))
    finally:
        quiet.setLevel(level)


def quantize_int8(source: Path, target: Path, keep_float: Sequence[str] = (), only: Sequence[str] | None = None) -> None:
    """Dynamic int8 quantisation (matrix products, fused attention, embeddings), one scale per
    output channel; ``keep_float`` names nodes left in fp32, ``only`` (if given) the sole nodes
    to quantise.

    Per-channel scales keep the encoder's vectors at cosine 0.994 (mean; 0.989 worst) of fp32 on
    SQuAD paragraphs; one scale per tensor drops that to 0.95, and uint8 weights to 0.98.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic warns on the root logger about pre-processing
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=list(keep_float), nodes_to_quantize=list(only) if only else None,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)


def open_session(path: Path, threads: int | None = None):
    """An inference session on the CPU; ``threads`` defaults to ONNX Runtime's choice (cores)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # warnings about unused initialisers are noise to users
    if threads:
        options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True
