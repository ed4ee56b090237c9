"""Trains specs/tiny-sentence-encoder.loom on Moby-Dick with the inverse cloze task and writes
weights/tiny-sentence-encoder.safetensors (f32, Loom's own weight names).

The task (Lee et al., 2019): a sentence of a passage is the query, the rest of the passage is its
positive, the other passages of the batch are negatives; both sides go through the same encoder,
and the loss is the cross entropy of the cosine similarities over a temperature, both ways. The
token table starts from latent semantic analysis of the training passages (the SVD of their
TF-IDF matrix over WordPiece ids), so words that share passages start near each other.

Run from the repository root, after `npx tsx training/export-data.ts`:
    /usr/bin/python3 training/train_sentence_encoder.py [--epochs 6] [--seed 7] [--train-table]
It prints recall@10 and MRR on the held-out passages for TF-IDF, the LSA start and the trained
model (the protocol: `evaluate`), and records them in the weights' metadata and training/logs/.
"""

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from loom_torch import REPO, LoomModule, count_parameters, typed_ir, write_safetensors

SPEC = "specs/tiny-sentence-encoder.loom"
DATA = REPO / "training" / "data" / "moby-passages.json"
OUT = REPO / "weights" / "tiny-sentence-encoder.safetensors"
LOG = REPO / "training" / "logs" / "tiny-sentence-encoder.json"  
CLS, SEP = 101, 102
KEEP_QUERY = 0.1  # share of positives that keep the query sentence (as in ICT)


def sequence(pieces: list[int], ctx: int) -> list[int]:
    """[CLS] pieces [SEP], the pieces cut to fit ctx (what Loom's bert tokenizer feeds, truncated)."""
    return [CLS] + pieces[: ctx - 2] + [SEP]


def encode(model: LoomModule, seqs: list[list[int]]) -> torch.Tensor:
    """Unit-length embeddings [n, d] of token sequences, padded per batch with a mask."""
    width = max(len(s) for s in seqs)
    tokens = torch.zeros(len(seqs), width, dtype=torch.long)
    mask = torch.zeros(len(seqs), width, dtype=torch.bool)
    for i, s in enumerate(seqs):
        tokens[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = True
    return F.normalize(model(tokens=tokens, mask=mask)["embedding"], dim=-1)


def queries_of(passages: list[list[list[int]]], ctx: int):
    """The evaluation queries: every sentence of every passage, with the passage it came from and
    that passage without it (its positive)."""
    for p, sentences in enumerate(passages):
        for i, sentence in enumerate(sentences):
            rest = [t for j, s in enumerate(sentences) if j != i for t in s]
            yield p, sequence(sentence, ctx), sequence(rest, ctx)


def ranks_of(score_rows) -> list[int]:
    """1-based rank of the positive (column 0 of each row holds its score, the rest the other
    passages'); ties count against the positive."""
    return [1 + int(np.sum(row[1:] >= row[0])) for row in score_rows]


def metrics(ranks: list[int]) -> dict:
    return {
        "recall@1": float(np.mean([r <= 1 for r in ranks])),
        "recall@10": float(np.mean([r <= 10 for r in ranks])),
        "mrr": float(np.mean([1 / r for r in ranks])),
        "queries": len(ranks),
    }


def evaluate(model: LoomModule, passages: list[list[list[int]]], ctx: int) -> dict:
    """Each sentence of each held-out passage ranks all held-out passages, its own represented
    without it and the others whole: recall@k and MRR of its own passage."""
    with torch.no_grad():
        whole = [sequence([t for s in p for t in s], ctx) for p in passages]
        full = torch.cat([encode(model, whole[i : i + 64]) for i in range(0, len(whole), 64)])
        rows = []
        for p, query, positive in queries_of(passages, ctx):
            q, own = encode(model, [query, positive])
            others = torch.cat([full[:p], full[p + 1 :]])
            rows.append(np.concatenate([[float(q @ own)], (others @ q).numpy()]))
    return metrics(ranks_of(rows))


def tfidf_vectors(docs: list[list[int]], idf: dict[int, float]) -> list[dict[int, float]]:
    """Sublinear TF-IDF (1 + log tf) · idf, unit length, as sparse dicts."""
    out = []
    for doc in docs:
        counts: dict[int, int] = {}
        for t in doc:
            counts[t] = counts.get(t, 0) + 1
        v = {t: (1 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({t: x / norm for t, x in v.items()})
    return out


def evaluate_tfidf(passages: list[list[list[int]]], ctx: int) -> dict:
    """The same protocol for TF-IDF cosine over the same WordPiece ids ([CLS]/[SEP] left out),
    idf from the held-out passages themselves."""
    strip = lambda seq: [t for t in seq if t not in (CLS, SEP)]
    whole = [strip(sequence([t for s in p for t in s], ctx)) for p in passages]
    df: dict[int, int] = {}
    for doc in whole:
        for t in set(doc):
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log((1 + len(whole)) / (1 + c)) + 1 for t, c in df.items()}
    full = tfidf_vectors(whole, idf)
    dot = lambda a, b: sum(x * b.get(t, 0.0) for t, x in a.items())
    rows = []
    for p, query, positive in queries_of(passages, ctx):
        q, own = tfidf_vectors([strip(query), strip(positive)], idf)
        rows.append(np.array([dot(q, own)] + [dot(q, d) for i, d in enumerate(full) if i != p]))
    return metrics(ranks_of(rows))


def lsa_table(passages: list[list[list[int]]], vocab: int, d: int, seed: int) -> torch.Tensor:
    """Token vectors from the rank-d SVD of the training passages' TF-IDF matrix (tokens ×
    passages): row t = U[t] · S, scaled to unit mean length over the tokens seen; tokens never
    seen keep small random vectors."""
    docs = [[t for s in p for t in s] for p in passages]
    seen = sorted({t for doc in docs for t in doc})
    column = {t: i for i, t in enumerate(seen)}
    matrix = np.zeros((len(seen), len(docs)))
    for j, doc in enumerate(docs):
        for t in doc:
            matrix[column[t], j] += 1
    df = (matrix > 0).sum(axis=1)
    matrix = np.where(matrix > 0, 1 + np.log(np.maximum(matrix, 1)), 0) * np.log(len(docs) / df)[:, None]
    u, s, _ = np.linalg.svd(matrix, full_matrices=False)
    vectors = u[:, :d] * s[:d]
    vectors /= np.linalg.norm(vectors, axis=1).mean()
    generator = torch.Generator().manual_seed(seed)
    table = torch.randn(vocab, d, generator=generator) * 0.02
    table[torch.tensor(seen)] = torch.tensor(vectors, dtype=torch.float32)
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--train-table",
        action="store_true",
        help="train the token table too (by default it stays the LSA table: 2 M parameters overfit 1,706 passages)",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    ir = typed_ir(SPEC)
    dims = {dim["name"]: dim["value"] for dim in ir["dims"]}
    ctx, d, vocab = dims["ctx"], dims["d"], dims["vocab"]
    data = json.loads(DATA.read_text())
    train, held = data["train"], data["heldOut"]
    model = LoomModule(ir)
    figures = {"tfidf": evaluate_tfidf(held, ctx), "random start": evaluate(model, held, ctx)}
    with torch.no_grad():
        model.state()["embed.weight"].copy_(lsa_table(train, vocab, d, args.seed))
    figures["LSA start"] = evaluate(model, held, ctx)
    print(json.dumps(figures))

    table = model.state()["embed.weight"]
    trained = [p for p in model.parameters() if args.train_table or p.data_ptr() != table.data_ptr()]
    optimiser = torch.optim.AdamW(trained, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, args.lr, total_steps=steps, pct_start=0.1)
    curve, started = [], time.time()
    for epoch in range(args.epochs):
        order = list(range(len(train)))
        rng.shuffle(order)
        for b in range(0, len(order), args.batch):
            queries, positives = [], []
            for p in order[b : b + args.batch]:
                sentences = train[p]
                i = rng.randrange(len(sentences))
                keep = rng.random() < KEEP_QUERY
                rest = [t for j, s in enumerate(sentences) if keep or j != i for t in s]
                queries.append(sequence(sentences[i], ctx))
                positives.append(sequence(rest, ctx))
            q, p = encode(model, queries), encode(model, positives)
            logits = q @ p.T / args.temperature  # [b, b], the diagonal holds the positives
            labels = torch.arange(len(queries))
            loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        held_figures = evaluate(model, held, ctx)
        curve.append({"epoch": epoch + 1, "loss": loss.item(), "seconds": round(time.time() - started), **held_figures})
        print(json.dumps(curve[-1]))
    figures["trained"] = curve[-1]

    metadata = {
        "recipe": f"training/train_sentence_encoder.py --epochs {args.epochs} --batch {args.batch} --lr {args.lr} --temperature {args.temperature} --seed {args.seed}{' --train-table' if args.train_table else ''}",
        "task": "inverse cloze on Moby-Dick passages (training/data.ts mobyDickPassages), LSA-initialised token table",
        "parameters": str(count_parameters(model)),
        "held_out": json.dumps({k: {m: round(v, 4) for m, v in f.items()} for k, f in figures.items()}),
        "torch": torch.__version__,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_safetensors(args.out, model.state(), metadata)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(json.dumps({"metadata": metadata, "figures": figures, "curve": curve}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
