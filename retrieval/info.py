"""The ``newsdesk info`` report: where things are, what the index holds, how the models run."""

from __future__ import annotations

from newsdesk.errors import IndexDamaged

from .answering.readers.choose import reader_plan, verifier_plan
from .index.store import read_manifest
from .index.versions import current_version, damage_report, list_versions


def info_report(settings) -> dict:
    """The ``newsdesk info`` report of ``settings`` (a service ``Settings``), loading no model."""
    from newsdesk.embeddings.encoder import encoder_plan
    from newsdesk.embeddings.onnx_runtime import cache_dir

    manifest = read_manifest(settings.home)
    index, live = None, None
    try:
        live = current_version(settings.home)
    except IndexDamaged as error:  # info is where one looks then: say it, do not fail
        index = {"problem": str(error)}
    if manifest:
        record = manifest.index  # None in a format this newsdesk does not read
        index = {"version": live.name if live else None, "type": record and record.type,
                 "requested": record and record.requested, **manifest.counts,
                 "model": manifest.model, "created": manifest.created}
    versions = [
        {"name": v.name, "live": live is not None and v.name == live.name, "problem": v.problem,
         **(v.manifest.counts if v.manifest else {"articles": None, "chunks": None}),
         "created": v.manifest and v.manifest.created}
        for v in list_versions(settings.home, deep=False)
    ]
    damaged = next((v for v in versions if v["live"] and v["problem"]), None)
    if damaged and index is not None:  # as docs/cli.md says: the top level tells, not only versions[]
        index["problem"] = damage_report(live, settings.home, damaged["problem"])
    return {
        "home": str(settings.home), "cache": str(cache_dir()), "index": index, "versions": versions,
        "encoder": encoder_plan(settings.model_path, settings.runtime),
        "reader": reader_plan(settings.reader, settings.runtime),
        "verifier": verifier_plan(settings.verifier, settings.reader, settings.runtime),
        "libraries": library_versions(),
    }


def library_versions() -> dict[str, str]:
    """The versions of the libraries newsdesk runs on (read from package metadata: no imports)."""
    import platform
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in ("newsdesk", "torch", "onnxruntime", "sentence-transformers", "transformers", "tokenizers",
                 "faiss-cpu", "bm25s", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
