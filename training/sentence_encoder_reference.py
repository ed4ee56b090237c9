"""Writes test/trained/fixtures/tiny-sentence-encoder.json: PyTorch's embeddings (through
loom_torch, the module training used) of the first 8 held-out passages, batched with padding, for
test/trained/tiny-sentence-encoder.test.ts to compare Loom's CPU reference and WebGPU against.

Run from the repository root after training:
    /usr/bin/python3 training/sentence_encoder_reference.py
"""

import json

import torch

from loom_torch import REPO, LoomModule, read_safetensors, typed_ir
from train_sentence_encoder import DATA, OUT, SPEC, encode, sequence

PASSAGES = 8
FIXTURE = REPO / "test" / "trained" / "fixtures" / "tiny-sentence-encoder.json"


def main() -> None:
    ir = typed_ir(SPEC)
    ctx = {dim["name"]: dim["value"] for dim in ir["dims"]}["ctx"]
    model = LoomModule(ir)
    tensors, _ = read_safetensors(OUT)
    with torch.no_grad():
        for name, value in model.state().items():
            value.copy_(tensors[name])
    held = json.loads(DATA.read_text())["heldOut"][:PASSAGES]
    ids = [sequence([t for s in p for t in s], ctx) for p in held]
    with torch.no_grad():
        vectors = encode(model, ids)  # [8, d], unit length, one padded batch
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(
        json.dumps(
            {
                "note": "training/sentence_encoder_reference.py: held-out passages 0-7 of examples/moby-passages.json",
                "ids": ids,
                "embeddings": [[round(float(v), 8) for v in row] for row in vectors],
            }
        )
        + "\n"
    )
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
