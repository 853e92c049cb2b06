"""The model cache keeps one export per set of weights: a retrained or upgraded model's new
export removes the old one, and other models' files are left alone."""

from __future__ import annotations

from newsdesk.embeddings.onnx_runtime import remove_superseded


def _export(folder, name, key, sources):
    (folder / f"{name}-{key}-int8.onnx").write_bytes(b"onnx")
    return remove_superseded(folder, name, key, [str(s) for s in sources])


def test_a_new_export_of_the_same_weights_removes_the_old_one(tmp_path):
    weights, other_weights = tmp_path / "reader.safetensors", tmp_path / "other.safetensors"
    weights.write_bytes(b"w")
    other_weights.write_bytes(b"o")
    assert _export(tmp_path, "reader", "old", [weights]) == []
    assert _export(tmp_path, "reader", "other", [other_weights]) == []
    _export(tmp_path, "encoder", "enc", [weights])  # another model from the same file: not a reader export

    removed = _export(tmp_path, "reader", "new", [weights])

    assert {p.name for p in removed} == {"reader-old-int8.onnx", "reader-old.sources.json"}
    assert sorted(p.name for p in tmp_path.glob("*.onnx")) == [
        "encoder-enc-int8.onnx", "reader-new-int8.onnx", "reader-other-int8.onnx"]


def test_exports_of_weights_that_are_gone_or_unrecorded_are_removed(tmp_path):
    gone = tmp_path / "deleted-model.safetensors"
    gone.write_bytes(b"w")
    _export(tmp_path, "encoder", "old", [gone])
    gone.unlink()
    kept = tmp_path / "model.safetensors"
    kept.write_bytes(b"w")

    (tmp_path / "encoder-unrecorded-int8.onnx").write_bytes(b"made before records were kept")
    _export(tmp_path, "encoder", "new", [kept])

    assert [p.name for p in tmp_path.glob("*.onnx")] == ["encoder-new-int8.onnx"]


def test_two_readers_on_one_encoder_keep_their_exports(tmp_path):
    encoder, first, second = (tmp_path / f"{n}.safetensors" for n in ("model", "first", "second"))
    for path in (encoder, first, second):
        path.write_bytes(b"w")
    assert _export(tmp_path, "reader", "first", [encoder, first]) == []
    assert _export(tmp_path, "reader", "second", [encoder, second]) == []
    retrained = _export(tmp_path, "reader", "retrained", [encoder, first])
    assert {p.name for p in retrained} == {"reader-first-int8.onnx", "reader-first.sources.json"}
    assert sorted(p.name for p in tmp_path.glob("*.onnx")) == ["reader-retrained-int8.onnx", "reader-second-int8.onnx"]
