"""Trains specs/tiny-vit-mnist.loom on the `mnist` package's digits and writes
weights/tiny-vit-mnist.safetensors (f32, Loom's own weight names) with the training facts in its
metadata.

Run from the repository root, after `npx tsx training/export-data.ts`:
    /usr/bin/python3 training/train_vit_mnist.py [--epochs 60] [--seed 1337]
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

SPEC = "specs/tiny-vit-mnist.loom"
OUT = REPO / "weights" / "tiny-vit-mnist.safetensors"
LOG = REPO / "training" / "logs" / "tiny-vit-mnist.json"
RECHECKED = 500  # the Loom test re-measures accuracy on this many test digits


def load(split: dict) -> tuple[torch.Tensor, torch.Tensor]:
    pixels = torch.tensor(split["pixels"], dtype=torch.float32).view(-1, 1, 28, 28)  # [N, 1, 28, 28]
    return pixels, torch.tensor(split["labels"], dtype=torch.long)


def shifted(images: torch.Tensor, most: int, g: torch.Generator) -> torch.Tensor:
    """Each image moved by a random whole number of pixels in [-most, most] on both axes."""
    padded = F.pad(images, (most, most, most, most))
    offsets = torch.randint(0, 2 * most + 1, (images.shape[0], 2), generator=g)
    return torch.stack([padded[i, :, dy : dy + 28, dx : dx + 28] for i, (dy, dx) in enumerate(offsets.tolist())])


def predict(model: LoomModule, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model(pixels=images[i : i + batch])["logits"].argmax(-1) for i in range(0, len(images), batch)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--shift", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    data = json.loads((REPO / "training" / "data" / "mnist.json").read_text())
    train_x, train_y = load(data["train"])
    test_x, test_y = load(data["test"])
    ir = typed_ir(SPEC)
    model = LoomModule(ir)
    print(f"{count_parameters(model):,} parameters; {len(train_y)} training, {len(test_y)} test digits")

    decay = [p for p in model.tensors if p.dim() >= 2]
    no_decay = [p for p in model.tensors if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
    )
    steps_per_epoch = math.ceil(len(train_y) / args.batch)
    total = args.epochs * steps_per_epoch
    warmup = steps_per_epoch

    def lr_at(step: int) -> float:  # one epoch of linear warm-up, then cosine to zero
        if step < warmup:
            return args.lr * (step + 1) / warmup
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))

    g = torch.Generator().manual_seed(args.seed)
    curve = []
    step = 0
    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_y), generator=g)
        seen_loss = 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i : i + args.batch]
            x = shifted(train_x[idx], args.shift, g) if args.shift else train_x[idx]
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            loss = F.cross_entropy(model(pixels=x)["logits"], train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            seen_loss += loss.item() * len(idx)
            step += 1
        model.eval()
        accuracy = (predict(model, test_x) == test_y).float().mean().item()
        elapsed = time.time() - started
        curve.append({"epoch": epoch + 1, "train_loss": round(seen_loss / len(train_y), 4), "test_accuracy": round(accuracy, 4), "seconds": round(elapsed)})
        print(f"epoch {epoch + 1:3d}  loss {seen_loss / len(train_y):.4f}  test accuracy {accuracy:.4f}  {elapsed:.0f}s", flush=True)
    train_seconds = time.time() - started

    model.eval()
    train_accuracy = (predict(model, train_x) == train_y).float().mean().item()
    test_accuracy = (predict(model, test_x) == test_y).float().mean().item()
    # The figures the Loom test re-measures, in float64 from the float32 weights (as Loom computes).
    model64 = LoomModule(ir).double()
    with torch.no_grad():
        for i, t in enumerate(model.tensors):
            model64.tensors[i].copy_(t.detach().double())
    model64.eval()
    predictions = predict(model64, test_x[:RECHECKED].double())
    rechecked_accuracy = (predictions == test_y[:RECHECKED]).float().mean().item()
    print(f"train accuracy {train_accuracy:.4f}; test accuracy {test_accuracy:.4f} ({len(test_y)} digits), {rechecked_accuracy:.4f} on the first {RECHECKED}; {train_seconds:.0f}s")

    metadata = {
        "loom.layout": "loom",
        "loom.spec": SPEC,
        "training.data": "mnist package: per digit, samples 800-999 are the test split (as mnist.set(8000, 2000)), every other sample trains",
        "training.seed": str(args.seed),
        "training.epochs": str(args.epochs),
        "training.steps": str(total),
        "training.batch": str(args.batch),
        "training.augmentation": f"random shifts of up to {args.shift} pixels on each axis",
        "training.optimizer": f"AdamW lr {args.lr} (one epoch of warm-up, cosine to 0), weight decay {args.weight_decay}, clip 1.0",
        "training.seconds": str(round(train_seconds)),
        "training.torch": torch.__version__,
        "training.train_accuracy": f"{train_accuracy:.4f}",
        "training.test_accuracy": f"{test_accuracy:.4f}",
        "training.test_count": str(len(test_y)),
        "training.test500_accuracy": f"{rechecked_accuracy:.4f}",
        "training.test500_predictions": "".join(str(int(p)) for p in predictions),
    }
    write_safetensors(args.out, model.state(), metadata)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(json.dumps({"metadata": metadata, "curve": curve}, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) and {LOG}")


if __name__ == "__main__":
    main()
