#!/usr/bin/env python3
"""Builds the PyTorch parity fixtures that prove Loom's CPU reference executor.

Run from anywhere:  /usr/bin/python3 parity/make_fixtures.py

For each case it builds a tiny model in PyTorch (seeded, so the output is the same on every run),
rounds its weights to float32, computes the outputs in float64 from those float32-rounded weights,
and writes three files:

  test/parity/specs/<case>.loom           the same model as a Loom spec
  test/parity/fixtures/<case>.safetensors the weights, float32, in the layout a real checkpoint uses
                                          (Hugging Face names where the family has them, Loom's
                                          own names otherwise); nothing else is in this file
  test/parity/fixtures/<case>.io.safetensors
                                          `input.<name>` and `output.<name>` tensors, float64
                                          (token ids and masks as exact float64 integers), and
                                          `__metadata__` saying how to run the case (spec, model,
                                          layout, the decode settings)

See parity/README.md for what each case checks and where PyTorch's modules differ from Loom's.
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "test" / "parity" / "specs"
FIXTURES = ROOT / "test" / "parity" / "fixtures"
BATCH = 2
SIZE_LIMIT = 5 * 1024 * 1024

assert sys.byteorder == "little", "this safetensors writer assumes a little-endian host"

# ---------------------------------------------------------------------------------------------
# safetensors


SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64"}


def write_safetensors(
    path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]
) -> int:
    """Writes tensors as safetensors: u64-le header length, JSON header, raw little-endian data."""
    header: dict[str, object] = {}
    blobs: list[bytes] = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {
            "dtype": SAFETENSORS_DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes, as the reference writer does
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    return path.stat().st_size


# ---------------------------------------------------------------------------------------------
# Helpers shared by the cases


@dataclass
class Case:
    name: str
    spec: str
    layout: str  # the `layout` option of Loom's weight loader
    weights: dict[str, torch.Tensor]  # float64 holding float32 values; saved as float32
    inputs: dict[str, torch.Tensor]
    outputs: dict[str, torch.Tensor]
    decode: dict[str, object] | None = None  # {"step_input": name, "prefix": n}
    notes: list[str] = field(default_factory=list)


def to_double(module: nn.Module) -> nn.Module:
    """float32 parameters → float64: exact, so the float64 model holds the float32 weights."""
    return module.double()


def jitter_norms(module: nn.Module, generator_scale: float = 0.1) -> None:
    """Norm scales 1 ± 0.1 and biases ± 0.1 instead of exactly 1 and 0, so a missed one shows."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + generator_scale * torch.randn_like(m.weight))
                m.bias.copy_(generator_scale * torch.randn_like(m.bias))


def norm_weight(d: int) -> nn.Parameter:
    return nn.Parameter(1 + 0.1 * torch.randn(d))


def padding(seq: int, pad_last: int) -> torch.Tensor:
    """Bool [batch, seq], True where a position is real: row 0 full, row 1 ends in padding."""
    real = torch.ones(BATCH, seq, dtype=torch.bool)
    real[1, seq - pad_last :] = False
    return real


def causal_mask(n: int) -> torch.Tensor:
    """Bool [n, n], True above the diagonal: the positions a query may not see (PyTorch's sense)."""
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


def sinusoidal_table(length: int, d: int, base: float = 10000.0) -> torch.Tensor:
    """PE(pos, 2i) = sin(pos / base^(2i/d)), PE(pos, 2i+1) = cos(pos / base^(2i/d)), float64."""
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d, 2, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(torch.tensor(base, dtype=torch.float64), two_i / d)
    table = torch.zeros(length, d, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle)
    return table


def attention_core(q, k, v, heads, kv_heads, scale, bias=None, key_real=None, causal=False):
    """Plain scaled dot-product attention. q: [B, S, H·hd], k, v: [B, T, KV·hd] → [B, S, H·hd].

    bias: [H, S, T] added to the scores; key_real: bool [B, T]; GQA repeats each kv head for
    heads / kv_heads consecutive query heads (query head h reads kv head h // (heads / kv_heads)).
    """
    b, s, _ = q.shape
    t = k.shape[1]
    hd = q.shape[-1] // heads
    q = q.view(b, s, heads, hd).transpose(1, 2)  # [B, H, S, hd]
    k = k.view(b, t, kv_heads, hd).transpose(1, 2)  # [B, KV, T, hd]
    v = v.view(b, t, kv_heads, hd).transpose(1, 2)  # [B, KV, T, hd]
    k = k.repeat_interleave(heads // kv_heads, dim=1)  # [B, H, T, hd]
    v = v.repeat_interleave(heads // kv_heads, dim=1)  # [B, H, T, hd]
    scores = (q @ k.transpose(-1, -2)) * scale  # [B, H, S, T]
    if bias is not None:
        scores = scores + bias
    if causal:
        scores = scores.masked_fill(causal_mask(s)[None, None], float("-inf"))
    if key_real is not None:
        scores = scores.masked_fill(~key_real[:, None, None, :], float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    out = probs @ v  # [B, H, S, hd]
    return out.transpose(1, 2).reshape(b, s, heads * hd)


def rms_norm(x, weight, eps):
    """RMSNorm as Llama and T5 write it: x · rsqrt(mean(x²) + eps) · weight (no mean taken)."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rope(x, heads, theta, positions):
    """Hugging Face Llama's rotary embedding (rotate-half pairs (i, i + hd/2)), in float64.

    x: [B, S, heads·hd]; channel i of a head turns by pos · theta^(−2i/hd).
    """
    b, s, width = x.shape
    hd = width // heads
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))  # [hd/2]
    freqs = positions.to(torch.float64)[:, None] * inv_freq[None, :]  # [S, hd/2]
    emb = torch.cat((freqs, freqs), dim=-1)  # [S, hd]
    cos, sin = emb.cos()[None, :, None, :], emb.sin()[None, :, None, :]
    x = x.view(b, s, heads, hd)
    return (x * cos + rotate_half(x) * sin).reshape(b, s, width)


def mha_weights(prefix: str, mha: nn.MultiheadAttention) -> dict[str, torch.Tensor]:
    """nn.MultiheadAttention → Loom attention weights: in_proj_weight is q | k | v stacked."""
    q, k, v = mha.in_proj_weight.chunk(3, dim=0)
    qb, kb, vb = mha.in_proj_bias.chunk(3, dim=0)
    return {
        f"{prefix}.q.weight": q,
        f"{prefix}.q.bias": qb,
        f"{prefix}.k.weight": k,
        f"{prefix}.k.bias": kb,
        f"{prefix}.v.weight": v,
        f"{prefix}.v.bias": vb,
        f"{prefix}.o.weight": mha.out_proj.weight,
        f"{prefix}.o.bias": mha.out_proj.bias,
    }


def linear_weights(prefix: str, linear: nn.Linear) -> dict[str, torch.Tensor]:
    out = {f"{prefix}.weight": linear.weight}
    if linear.bias is not None:
        out[f"{prefix}.bias"] = linear.bias
    return out


def layernorm_weights(prefix: str, ln: nn.LayerNorm) -> dict[str, torch.Tensor]:
    return {f"{prefix}.weight": ln.weight, f"{prefix}.bias": ln.bias}


def grad_enabled_forward(fn):
    """Runs fn with autograd on.

    PyTorch's fused "fast path" for nn.TransformerEncoderLayer / nn.MultiheadAttention runs only
    with autograd off; it turns padded rows into zeros (nested tensors) and is not the plain math
    we compare with. With autograd on (parameters require grad) every module takes the plain path.
    """
    with torch.enable_grad():
        return fn()


# ---------------------------------------------------------------------------------------------
# Encoder-only: nn.TransformerEncoderLayer, post-norm and pre-norm


def encoder_case(name: str, seed: int, norm_first: bool, act: str) -> Case:
    torch.manual_seed(seed)
    vocab, ctx, d, heads, ffn, layers, seq = 64, 16, 32, 4, 64, 2, 10
    embed = nn.Embedding(vocab, d)
    positions = nn.Embedding(ctx, d)
    blocks = nn.ModuleList(
        nn.TransformerEncoderLayer(
            d, heads, ffn, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first
        )
        for _ in range(layers)
    )
    final = nn.LayerNorm(d) if norm_first else None
    model = nn.ModuleDict({"embed": embed, "positions": positions, "blocks": blocks})
    if final is not None:
        model["final"] = final
    jitter_norms(model)
    to_double(model).eval()

    tokens = torch.randint(0, vocab, (BATCH, seq))
    real = padding(seq, 3)

    def forward():
        x = embed(tokens) + positions.weight[:seq]
        for block in blocks:
            x = block(x, src_key_padding_mask=~real)
        return final(x) if final is not None else x

    hidden = grad_enabled_forward(forward)

    weights = {"tok.weight": embed.weight, "learned_positions.weight": positions.weight}
    for i, block in enumerate(blocks):
        p = f"layers.{i}"
        # Post-norm: layernorm (norm1) follows attention, layernorm_1 (norm2) the MLP.
        # Pre-norm: layernorm (norm1) feeds attention, layernorm_1 (norm2) feeds the MLP.
        weights |= mha_weights(f"{p}.attention", block.self_attn)
        weights |= layernorm_weights(f"{p}.layernorm", block.norm1)
        weights |= linear_weights(f"{p}.mlp.up", block.linear1)
        weights |= linear_weights(f"{p}.mlp.down", block.linear2)
        weights |= layernorm_weights(f"{p}.layernorm_1", block.norm2)
    if final is not None:
        weights |= layernorm_weights("layernorm", final)

    if norm_first:
        body = f"""\
  repeat layers as layers {{
    x = x + attention(layernorm(x), heads, padding = mask)
    x = x + mlp(layernorm(x), ffn, act = {act})
  }}
  output hidden = layernorm(x)"""
        kind = "pre-norm + final LayerNorm"
    else:
        body = f"""\
  repeat layers as layers {{
    x = layernorm(x + attention(x, heads, padding = mask))
    x = layernorm(x + mlp(x, ffn, act = {act}))
  }}
  output hidden = x"""
        kind = "post-norm (Add & Norm)"
    spec = f"""\
// Parity case {name}: nn.TransformerEncoderLayer ×{layers}, {act}, {kind},
// with a padding mask, behind a token embedding and learned positions.
// Generated by parity/make_fixtures.py.
model {name} {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, ffn = {ffn}, layers = {layers} }}
  input tokens: int[batch, seq <= ctx]
  input mask: bool[batch, seq]

  x = embed(tokens, vocab, d) as tok
  x = x + learned_positions(x, ctx)
{body}
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="loom",
        weights=weights,
        inputs={"tokens": tokens, "mask": real},
        outputs={"hidden": hidden},
    )


def sentence_encoder_case(seed: int) -> Case:
    """A sentence-embedding encoder: masks made from the padding id 0 by comparison, masked mean
    pooling written by hand (sum(x * m) / sum(m)), l2-normalised as F.normalize does; also a max,
    a mean with keepdim over other axes, and slices of the sequence and the width."""
    torch.manual_seed(seed)
    vocab, ctx, d, heads, ffn, seq = 64, 16, 32, 4, 64, 10
    embed = nn.Embedding(vocab, d)
    positions = nn.Embedding(ctx, d)
    block = nn.TransformerEncoderLayer(
        d, heads, ffn, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    )
    final = nn.LayerNorm(d)
    model = nn.ModuleDict(
        {"embed": embed, "positions": positions, "block": block, "final": final}
    )
    jitter_norms(model)
    to_double(model).eval()

    tokens = torch.randint(1, vocab, (BATCH, seq))
    tokens[1, -3:] = 0  # row 1 ends in three padding ids

    def forward():
        real = tokens != 0  # [B, S]
        x = embed(tokens) + positions.weight[:seq]  # [B, S, D]
        x = final(block(x, src_key_padding_mask=~real))
        m = real.double()  # [B, S]
        pooled = (x * m[:, :, None]).sum(dim=1) / m.sum(dim=1)[:, None]  # [B, D]
        return {
            "embedding": F.normalize(pooled, dim=-1),  # [B, D]
            "peak": x.amax(dim=-1),  # [B, S]
            "centre": x.mean(dim=1, keepdim=True),  # [B, 1, D]
            "inner": x[:, 1:-1, 4:12],  # [B, S - 2, 8]
        }

    outputs = grad_enabled_forward(forward)
    weights = {"tok.weight": embed.weight, "learned_positions.weight": positions.weight}
    weights |= mha_weights("attention", block.self_attn)
    weights |= layernorm_weights("layernorm", block.norm1)
    weights |= linear_weights("mlp.up", block.linear1)
    weights |= linear_weights("mlp.down", block.linear2)
    weights |= layernorm_weights("layernorm_1", block.norm2)
    weights |= layernorm_weights("layernorm_2", final)
    spec = f"""\
// Parity case sentence_encoder: nn.TransformerEncoderLayer (pre-norm, gelu) and a final
// LayerNorm, masks from the padding id 0, masked mean pooling by hand, then F.normalize.
// Generated by parity/make_fixtures.py.
model sentence_encoder {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, ffn = {ffn} }}
  input tokens: int[batch, seq <= ctx]

  real = tokens != 0
  x = embed(tokens, vocab, d) as tok
  x = x + learned_positions(x, ctx)
  x = x + attention(layernorm(x), heads, padding = real)
  x = layernorm(x + mlp(layernorm(x), ffn, act = gelu))
  m = float(real)
  output embedding = l2_normalize(sum(x * m, seq) / sum(m, seq))
  output peak = max(x, -1)
  output centre = mean(x, 1, keepdim = true)
  output inner = slice(slice(x, seq, 1, -1), -1, 4, 12)
}}
"""
    return Case(
        name="sentence_encoder",
        spec=spec,
        layout="loom",
        weights=weights,
        inputs={"tokens": tokens},
        outputs=outputs,
    )


# ---------------------------------------------------------------------------------------------
# BERT (Hugging Face BERT layout) built from nn.TransformerEncoderLayer


def bert_case(seed: int) -> Case:
    name = "bert"
    torch.manual_seed(seed)
    vocab, ctx, d, heads, ffn, layers, seq, eps = 64, 16, 32, 4, 64, 2, 10, 1e-12
    word = nn.Embedding(vocab, d)
    position = nn.Embedding(ctx, d)
    token_type = nn.Embedding(2, d)
    emb_norm = nn.LayerNorm(d, eps=eps)
    blocks = nn.ModuleList(
        nn.TransformerEncoderLayer(
            d, heads, ffn, dropout=0.0, activation="gelu", layer_norm_eps=eps, batch_first=True
        )
        for _ in range(layers)
    )
    pooler = nn.Linear(d, d)
    model = nn.ModuleDict(
        {
            "word": word,
            "position": position,
            "token_type": token_type,
            "emb_norm": emb_norm,
            "blocks": blocks,
            "pooler": pooler,
        }
    )
    jitter_norms(model)
    to_double(model).eval()

    tokens = torch.randint(0, vocab, (BATCH, seq))
    segments = torch.zeros(BATCH, seq, dtype=torch.long)
    segments[:, seq // 2 :] = 1
    real = padding(seq, 3)

    def forward():
        x = emb_norm(word(tokens) + position.weight[:seq] + token_type(segments))
        for block in blocks:
            x = block(x, src_key_padding_mask=~real)
        return x, torch.tanh(pooler(x[:, 0]))

    hidden, pooled = grad_enabled_forward(forward)

    weights = {
        "bert.embeddings.word_embeddings.weight": word.weight,
        "bert.embeddings.position_embeddings.weight": position.weight,
        "bert.embeddings.token_type_embeddings.weight": token_type.weight,
        "bert.embeddings.LayerNorm.weight": emb_norm.weight,
        "bert.embeddings.LayerNorm.bias": emb_norm.bias,
    }
    for i, block in enumerate(blocks):
        p = f"bert.encoder.layer.{i}"
        q, k, v = block.self_attn.in_proj_weight.chunk(3, dim=0)
        qb, kb, vb = block.self_attn.in_proj_bias.chunk(3, dim=0)
        weights |= {
            f"{p}.attention.self.query.weight": q,
            f"{p}.attention.self.query.bias": qb,
            f"{p}.attention.self.key.weight": k,
            f"{p}.attention.self.key.bias": kb,
            f"{p}.attention.self.value.weight": v,
            f"{p}.attention.self.value.bias": vb,
            f"{p}.attention.output.dense.weight": block.self_attn.out_proj.weight,
            f"{p}.attention.output.dense.bias": block.self_attn.out_proj.bias,
            f"{p}.attention.output.LayerNorm.weight": block.norm1.weight,
            f"{p}.attention.output.LayerNorm.bias": block.norm1.bias,
            f"{p}.intermediate.dense.weight": block.linear1.weight,
            f"{p}.intermediate.dense.bias": block.linear1.bias,
            f"{p}.output.dense.weight": block.linear2.weight,
            f"{p}.output.dense.bias": block.linear2.bias,
            f"{p}.output.LayerNorm.weight": block.norm2.weight,
            f"{p}.output.LayerNorm.bias": block.norm2.bias,
        }
    weights |= {"bert.pooler.dense.weight": pooler.weight, "bert.pooler.dense.bias": pooler.bias}

    spec = f"""\
// Parity case bert: a BERT encoder (word + position + segment embeddings, embedding LayerNorm,
// post-norm nn.TransformerEncoderLayer ×{layers} with exact GELU and eps 1e-12, the tanh pooler),
// weights in the Hugging Face BERT layout. Generated by parity/make_fixtures.py.
model bert {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, ffn = {ffn}, layers = {layers} }}
  input tokens: int[batch, seq <= ctx]
  input segments: int[batch, seq]
  input mask: bool[batch, seq]

  x = embed(tokens, vocab, d) as word_embeddings
  x = x + learned_positions(x, ctx) + embed(segments, 2, d) as token_type_embeddings
  x = layernorm(x, eps = 1e-12)
  repeat layers as layer {{
    x = layernorm(x + attention(x, heads, padding = mask), eps = 1e-12)
    x = layernorm(x + mlp(x, ffn, act = gelu), eps = 1e-12)
  }}
  output hidden = x
  output pooled = pooler(x)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="hf-bert",
        weights=weights,
        inputs={"tokens": tokens, "segments": segments, "mask": real},
        outputs={"hidden": hidden, "pooled": pooled},
    )


# ---------------------------------------------------------------------------------------------
# GPT-2 (Hugging Face GPT-2 layout: Conv1D weights stored [in, out])


class Gpt2(nn.Module):
    def __init__(self, vocab, ctx, d, heads, layers):
        super().__init__()
        self.heads = heads
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.h = nn.ModuleList()
        for _ in range(layers):
            self.h.append(
                nn.ModuleDict(
                    {
                        "ln_1": nn.LayerNorm(d),
                        "c_attn": nn.Linear(d, 3 * d),
                        "c_proj": nn.Linear(d, d),
                        "ln_2": nn.LayerNorm(d),
                        "c_fc": nn.Linear(d, 4 * d),
                        "mlp_proj": nn.Linear(4 * d, d),
                    }
                )
            )
        self.ln_f = nn.LayerNorm(d)

    def forward(self, tokens):
        b, s = tokens.shape
        d = self.wte.weight.shape[1]
        x = self.wte(tokens) + self.wpe.weight[:s]  # [B, S, D]
        for layer in self.h:
            q, k, v = layer["c_attn"](layer["ln_1"](x)).split(d, dim=-1)  # [B, S, D] each
            scale = 1 / math.sqrt(d // self.heads)
            a = attention_core(q, k, v, self.heads, self.heads, scale, causal=True)
            x = x + layer["c_proj"](a)
            m = F.gelu(layer["c_fc"](layer["ln_2"](x)), approximate="tanh")  # [B, S, 4D]
            x = x + layer["mlp_proj"](m)
        return self.ln_f(x) @ self.wte.weight.T  # tied head: [B, S, vocab]


def gpt2_case(seed: int) -> Case:
    name = "gpt2"
    torch.manual_seed(seed)
    vocab, ctx, d, heads, layers, seq = 64, 16, 32, 4, 2, 10
    model = Gpt2(vocab, ctx, d, heads, layers)
    with torch.no_grad():
        model.wte.weight.mul_(0.5)
    jitter_norms(model)
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    with torch.no_grad():
        logits = model(tokens)

    weights = {
        "transformer.wte.weight": model.wte.weight,
        "transformer.wpe.weight": model.wpe.weight,
    }
    for i, layer in enumerate(model.h):
        p = f"transformer.h.{i}"
        weights |= {
            f"{p}.ln_1.weight": layer["ln_1"].weight,
            f"{p}.ln_1.bias": layer["ln_1"].bias,
            # Conv1D keeps its weight as [in, out]: the transpose of nn.Linear's.
            f"{p}.attn.c_attn.weight": layer["c_attn"].weight.T,
            f"{p}.attn.c_attn.bias": layer["c_attn"].bias,
            f"{p}.attn.c_proj.weight": layer["c_proj"].weight.T,
            f"{p}.attn.c_proj.bias": layer["c_proj"].bias,
            f"{p}.ln_2.weight": layer["ln_2"].weight,
            f"{p}.ln_2.bias": layer["ln_2"].bias,
            f"{p}.mlp.c_fc.weight": layer["c_fc"].weight.T,
            f"{p}.mlp.c_fc.bias": layer["c_fc"].bias,
            f"{p}.mlp.c_proj.weight": layer["mlp_proj"].weight.T,
            f"{p}.mlp.c_proj.bias": layer["mlp_proj"].bias,
        }
    weights |= layernorm_weights("transformer.ln_f", model.ln_f)

    spec = f"""\
// Parity case gpt2: a GPT-2 decoder (learned positions, pre-LayerNorm, causal attention, tanh
// GELU, LM head tied to the token embedding), weights in the Hugging Face GPT-2 layout.
// Generated by parity/make_fixtures.py.
model gpt2 {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, layers = {layers} }}
  input tokens: int[batch, seq <= ctx]

  x = embed(tokens, vocab, d) as wte
  x = x + learned_positions(x, ctx)
  repeat layers as h {{
    x = x + attention(layernorm(x), heads, causal)
    x = x + mlp(layernorm(x), 4 * d, act = gelu_tanh)
  }}
  output logits = lm_head(layernorm(x), tied_to = wte)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="hf-gpt2",
        weights=weights,
        inputs={"tokens": tokens},
        outputs={"logits": logits},
        decode={"step_input": "tokens", "prefix": 4},
    )


# ---------------------------------------------------------------------------------------------
# Encoder-decoder: nn.Transformer


def transformer_case(seed: int) -> Case:
    name = "transformer"
    torch.manual_seed(seed)
    vocab, ctx, d, heads, ffn, layers, src_len, tgt_len = 64, 16, 32, 4, 64, 2, 10, 8
    shared = nn.Embedding(vocab, d)
    core = nn.Transformer(
        d, heads, num_encoder_layers=layers, num_decoder_layers=layers, dim_feedforward=ffn,
        dropout=0.0, batch_first=True,
    )
    model = nn.ModuleDict({"shared": shared, "core": core})
    jitter_norms(model)
    to_double(model).eval()

    src = torch.randint(0, vocab, (BATCH, src_len))
    tgt = torch.randint(0, vocab, (BATCH, tgt_len))
    real = padding(src_len, 3)

    def forward():
        x = shared(src) * math.sqrt(d) + sinusoidal_table(src_len, d)
        y = shared(tgt) * math.sqrt(d) + sinusoidal_table(tgt_len, d)
        out = core(
            x, y, tgt_mask=causal_mask(tgt_len), src_key_padding_mask=~real,
            memory_key_padding_mask=~real,
        )
        return out @ shared.weight.T

    logits = grad_enabled_forward(forward)

    weights = {"shared.weight": shared.weight}
    for i, layer in enumerate(core.encoder.layers):
        p = f"encoder.{i}"
        weights |= mha_weights(f"{p}.attention", layer.self_attn)
        weights |= layernorm_weights(f"{p}.layernorm", layer.norm1)
        weights |= linear_weights(f"{p}.mlp.up", layer.linear1)
        weights |= linear_weights(f"{p}.mlp.down", layer.linear2)
        weights |= layernorm_weights(f"{p}.layernorm_1", layer.norm2)
    weights |= layernorm_weights("layernorm", core.encoder.norm)
    for i, layer in enumerate(core.decoder.layers):
        p = f"decoder.{i}"
        weights |= mha_weights(f"{p}.attention", layer.self_attn)
        weights |= layernorm_weights(f"{p}.layernorm", layer.norm1)
        weights |= mha_weights(f"{p}.cross_attention", layer.multihead_attn)
        weights |= layernorm_weights(f"{p}.layernorm_1", layer.norm2)
        weights |= linear_weights(f"{p}.mlp.up", layer.linear1)
        weights |= linear_weights(f"{p}.mlp.down", layer.linear2)
        weights |= layernorm_weights(f"{p}.layernorm_2", layer.norm3)
    weights |= layernorm_weights("layernorm_1", core.decoder.norm)

    spec = f"""\
// Parity case transformer: nn.Transformer ({layers} + {layers} post-norm layers, ReLU) with
// sinusoidal positions, embeddings scaled by sqrt(d), one embedding shared by source, target and
// the output projection. nn.Transformer ends both stacks with a LayerNorm, so this spec does too.
// Generated by parity/make_fixtures.py.
model transformer {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, ffn = {ffn}, layers = {layers} }}
  input src: int[batch, src_len <= ctx]
  input src_mask: bool[batch, src_len]
  input tgt: int[batch, tgt_len <= ctx]

  x = embed(src, vocab, d) as shared
  x = x * sqrt(d) + sinusoidal_positions(x)
  repeat layers as encoder {{
    x = layernorm(x + attention(x, heads, padding = src_mask))
    x = layernorm(x + mlp(x, ffn, act = relu))
  }}
  memory = layernorm(x)

  y = embed(tgt, tied_to = shared)
  y = y * sqrt(d) + sinusoidal_positions(y)
  repeat layers as decoder {{
    y = layernorm(y + attention(y, heads, causal))
    y = layernorm(y + cross_attention(y, memory, heads, padding = src_mask))
    y = layernorm(y + mlp(y, ffn, act = relu))
  }}
  output logits = lm_head(layernorm(y), tied_to = shared)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="loom",
        weights=weights,
        inputs={"src": src, "src_mask": real, "tgt": tgt},
        outputs={"logits": logits},
        decode={"step_input": "tgt", "prefix": 3},
    )


# ---------------------------------------------------------------------------------------------
# Llama and Mixtral (Hugging Face Llama / Mixtral layout), and a MoE with a shared expert


class LlamaLike(nn.Module):
    """Llama decoder written with torch ops; `ffn_kind` picks the feed-forward of each layer."""

    def __init__(self, vocab, d, heads, kv_heads, ffn, layers, theta, eps, ffn_kind,
                 experts=0, top_k=0, shared_ffn=0):
        super().__init__()
        hd = d // heads
        self.heads, self.kv_heads, self.theta, self.eps = heads, kv_heads, theta, eps
        self.ffn_kind, self.top_k = ffn_kind, top_k
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            layer = nn.ModuleDict(
                {
                    "q_proj": nn.Linear(d, heads * hd, bias=False),
                    "k_proj": nn.Linear(d, kv_heads * hd, bias=False),
                    "v_proj": nn.Linear(d, kv_heads * hd, bias=False),
                    "o_proj": nn.Linear(heads * hd, d, bias=False),
                }
            )
            layer.input_layernorm = norm_weight(d)
            layer.post_attention_layernorm = norm_weight(d)
            if ffn_kind == "swiglu":
                layer["mlp"] = swiglu_module(d, ffn)
            else:
                layer["gate"] = nn.Linear(d, experts, bias=False)
                layer["experts"] = nn.ModuleList(swiglu_module(d, ffn) for _ in range(experts))
                if shared_ffn:
                    layer["shared"] = swiglu_module(d, shared_ffn)
            self.layers.append(layer)
        self.norm = norm_weight(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.min_router_gap = math.inf

    def forward(self, tokens):
        b, s = tokens.shape
        positions = torch.arange(s)
        x = self.embed_tokens(tokens)  # [B, S, D]
        for layer in self.layers:
            h = rms_norm(x, layer.input_layernorm, self.eps)
            q = apply_rope(layer["q_proj"](h), self.heads, self.theta, positions)
            k = apply_rope(layer["k_proj"](h), self.kv_heads, self.theta, positions)
            v = layer["v_proj"](h)
            hd = q.shape[-1] // self.heads
            a = attention_core(q, k, v, self.heads, self.kv_heads, 1 / math.sqrt(hd), causal=True)
            x = x + layer["o_proj"](a)
            h = rms_norm(x, layer.post_attention_layernorm, self.eps)
            x = x + (swiglu(layer["mlp"], h) if self.ffn_kind == "swiglu" else self.moe(layer, h))
        return self.lm_head(rms_norm(x, self.norm, self.eps))

    def moe(self, layer, h):
        """Mixtral's routing: softmax over all experts, keep the top k, renormalise them."""
        shape = h.shape
        h = h.reshape(-1, shape[-1])  # [N, D]
        logits = layer["gate"](h)  # [N, E]
        ranked = logits.sort(dim=-1, descending=True).values
        gap = float((ranked[:, self.top_k - 1] - ranked[:, self.top_k]).min())
        self.min_router_gap = min(self.min_router_gap, gap)
        probs = torch.softmax(logits, dim=-1)
        weights, chosen = torch.topk(probs, self.top_k, dim=-1)  # [N, k]
        weights = weights / weights.sum(dim=-1, keepdim=True)
        out = torch.zeros_like(h)
        for e, expert in enumerate(layer["experts"]):
            rows, slot = torch.where(chosen == e)
            if rows.numel():
                out[rows] += weights[rows, slot, None] * swiglu(expert, h[rows])
        if "shared" in layer:
            out = out + swiglu(layer["shared"], h)  # always on, unweighted
        return out.reshape(shape)


def router_gap_note(model: LlamaLike) -> str:
    """The routing is stable only if no token has near-tied k-th and (k+1)-th router logits."""
    gap = model.min_router_gap
    assert gap > 1e-6, f"router logits nearly tied ({gap}): pick another seed"
    return f"smallest gap between a chosen and an unchosen router logit: {gap:.3g}"


def swiglu_module(d, hidden):
    return nn.ModuleDict(
        {
            "gate_proj": nn.Linear(d, hidden, bias=False),
            "up_proj": nn.Linear(d, hidden, bias=False),
            "down_proj": nn.Linear(hidden, d, bias=False),
        }
    )


def swiglu(m, x):
    return m["down_proj"](F.silu(m["gate_proj"](x)) * m["up_proj"](x))


HF_ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")


def llama_attention_weights(prefix, layer, names):
    """names: the four projection names of the target layout, in q, k, v, o order."""
    return {
        f"{prefix}.{n}.weight": layer[p].weight
        for n, p in zip(names, ("q_proj", "k_proj", "v_proj", "o_proj"))
    }


def llama_case(seed: int) -> Case:
    name = "llama"
    torch.manual_seed(seed)
    vocab, d, heads, kv_heads, ffn, layers, seq, theta, eps = 64, 32, 4, 2, 48, 2, 10, 10000, 1e-5
    model = LlamaLike(vocab, d, heads, kv_heads, ffn, layers, theta, eps, "swiglu")
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    with torch.no_grad():
        logits = model(tokens)

    weights = {"model.embed_tokens.weight": model.embed_tokens.weight}
    for i, layer in enumerate(model.layers):
        p = f"model.layers.{i}"
        weights[f"{p}.input_layernorm.weight"] = layer.input_layernorm
        weights |= llama_attention_weights(f"{p}.self_attn", layer, HF_ATTENTION)
        weights[f"{p}.post_attention_layernorm.weight"] = layer.post_attention_layernorm
        for proj in ("gate_proj", "up_proj", "down_proj"):
            weights[f"{p}.mlp.{proj}.weight"] = layer["mlp"][proj].weight
    weights["model.norm.weight"] = model.norm
    weights["lm_head.weight"] = model.lm_head.weight

    spec = f"""\
// Parity case llama: a Llama decoder (RMSNorm, RoPE, SwiGLU, grouped-query attention with
// {kv_heads} key/value heads for {heads} query heads, no biases, untied output), weights in the
// Hugging Face Llama layout. Generated by parity/make_fixtures.py.

/** A Llama decoder layer: causal GQA self-attention with RoPE, then a SwiGLU FFN. */
block llama_block(x, heads, kv_heads, ffn, theta, eps = 1e-5) {{
  h = rmsnorm(x, eps = eps)
  x = x + attention(h, heads, kv_heads, causal, rope(theta = theta), bias = false)
  x = x + swiglu(rmsnorm(x, eps = eps), ffn, bias = false)
  return x
}}

model llama {{
  dims {{ vocab = {vocab}, ctx = 16, d = {d}, heads = {heads}, kv_heads = {kv_heads} }}
  dims {{ ffn = {ffn}, layers = {layers} }}
  input tokens: int[batch, seq <= ctx]

  x = embed(tokens, vocab, d) as embed_tokens
  repeat layers as layers {{
    x = llama_block(x, heads, kv_heads, ffn, {theta})
  }}
  output logits = linear(rmsnorm(x, eps = 1e-5), vocab, bias = false)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="hf-llama",
        weights=weights,
        inputs={"tokens": tokens},
        outputs={"logits": logits},
        decode={"step_input": "tokens", "prefix": 4},
    )


def mixtral_case(seed: int) -> Case:
    name = "mixtral"
    torch.manual_seed(seed)
    vocab, d, heads, kv_heads, ffn, layers, seq = 64, 32, 4, 2, 32, 2, 10
    experts, top_k, theta, eps = 4, 2, 1000000, 1e-5
    model = LlamaLike(vocab, d, heads, kv_heads, ffn, layers, theta, eps, "moe", experts, top_k)
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    with torch.no_grad():
        logits = model(tokens)

    weights = {"model.embed_tokens.weight": model.embed_tokens.weight}
    for i, layer in enumerate(model.layers):
        p = f"model.layers.{i}"
        weights[f"{p}.input_layernorm.weight"] = layer.input_layernorm
        weights |= llama_attention_weights(f"{p}.self_attn", layer, HF_ATTENTION)
        weights[f"{p}.post_attention_layernorm.weight"] = layer.post_attention_layernorm
        weights[f"{p}.block_sparse_moe.gate.weight"] = layer["gate"].weight
        for e, expert in enumerate(layer["experts"]):
            # Mixtral: w1 = gate projection, w3 = up projection, w2 = down projection.
            for w, proj in (("w1", "gate_proj"), ("w2", "down_proj"), ("w3", "up_proj")):
                weights[f"{p}.block_sparse_moe.experts.{e}.{w}.weight"] = expert[proj].weight
    weights["model.norm.weight"] = model.norm
    weights["lm_head.weight"] = model.lm_head.weight

    spec = f"""\
// Parity case mixtral: a Mixtral decoder (the Llama attention with GQA and RoPE theta 1e6, then a
// router choosing {top_k} of {experts} SwiGLU experts per token), weights in the Hugging Face
// Mixtral layout. Generated by parity/make_fixtures.py.

/** A Mixtral decoder layer: the Llama attention, then a sparse mixture of SwiGLU experts. */
block mixtral_block(x, heads, kv_heads, experts, top_k, ffn, theta, eps = 1e-5) {{
  h = rmsnorm(x, eps = eps)
  x = x + attention(h, heads, kv_heads, causal, rope(theta = theta), bias = false)
  x = x + moe(rmsnorm(x, eps = eps), experts, top_k, hidden = ffn, act = swiglu)
  return x
}}

model mixtral {{
  dims {{ vocab = {vocab}, ctx = 16, d = {d}, heads = {heads}, kv_heads = {kv_heads}, layers = {layers} }}
  dims {{ experts = {experts}, top_k = {top_k}, ffn = {ffn} }}
  input tokens: int[batch, seq <= ctx]

  x = embed(tokens, vocab, d) as embed_tokens
  repeat layers as layers {{
    x = mixtral_block(x, heads, kv_heads, experts, top_k, ffn, {theta})
  }}
  output logits = linear(rmsnorm(x, eps = 1e-5), vocab, bias = false)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="hf-llama",
        weights=weights,
        inputs={"tokens": tokens},
        outputs={"logits": logits},
        decode={"step_input": "tokens", "prefix": 4},
        notes=[router_gap_note(model)],
    )


def moe_shared_case(seed: int) -> Case:
    name = "moe_shared"
    torch.manual_seed(seed)
    vocab, d, heads, kv_heads, ffn, shared_ffn, layers, seq = 64, 32, 4, 2, 32, 24, 2, 10
    experts, top_k, theta, eps = 4, 2, 10000, 1e-5
    model = LlamaLike(
        vocab, d, heads, kv_heads, ffn, layers, theta, eps, "moe", experts, top_k, shared_ffn
    )
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    with torch.no_grad():
        logits = model(tokens)

    weights = {"embed_tokens.weight": model.embed_tokens.weight}
    for i, layer in enumerate(model.layers):
        p = f"layers.{i}"
        weights[f"{p}.rmsnorm.weight"] = layer.input_layernorm
        weights |= llama_attention_weights(f"{p}.attention", layer, ("q", "k", "v", "o"))
        weights[f"{p}.rmsnorm_1.weight"] = layer.post_attention_layernorm
        weights[f"{p}.moe.router.weight"] = layer["gate"].weight
        for e, expert in enumerate(layer["experts"]):
            for w, proj in (("gate", "gate_proj"), ("up", "up_proj"), ("down", "down_proj")):
                weights[f"{p}.moe.experts.{e}.{w}.weight"] = expert[proj].weight
        for w, proj in (("gate", "gate_proj"), ("up", "up_proj"), ("down", "down_proj")):
            weights[f"{p}.moe.shared.{w}.weight"] = layer["shared"][proj].weight
    weights["rmsnorm.weight"] = model.norm
    weights["linear.weight"] = model.lm_head.weight

    spec = f"""\
// Parity case moe_shared: a mixture-of-experts decoder with Llama attention (GQA, RoPE), a
// router choosing {top_k} of {experts} SwiGLU experts plus an always-on shared SwiGLU expert
// (DeepSeekMoE style, no gate on the shared expert), weights under Loom's own names.
// Generated by parity/make_fixtures.py.
model moe_shared {{
  dims {{ vocab = {vocab}, ctx = 16, d = {d}, heads = {heads}, kv_heads = {kv_heads}, layers = {layers} }}
  dims {{ experts = {experts}, top_k = {top_k}, ffn = {ffn}, shared_ffn = {shared_ffn} }}
  input tokens: int[batch, seq <= ctx]

  x = embed(tokens, vocab, d) as embed_tokens
  repeat layers as layers {{
    h = rmsnorm(x, eps = 1e-5)
    x = x + attention(h, heads, kv_heads, causal, rope(theta = {theta}), bias = false)
    h = rmsnorm(x, eps = 1e-5)
    x = x + moe(h, experts, top_k, hidden = ffn, act = swiglu, shared_hidden = shared_ffn)
  }}
  output logits = linear(rmsnorm(x, eps = 1e-5), vocab, bias = false)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="loom",
        weights=weights,
        inputs={"tokens": tokens},
        outputs={"logits": logits},
        decode={"step_input": "tokens", "prefix": 4},
        notes=[router_gap_note(model)],
    )


# ---------------------------------------------------------------------------------------------
# ViT (Hugging Face ViT layout)


def vit_case(seed: int) -> Case:
    name = "vit"
    torch.manual_seed(seed)
    image, channels, patch, d, heads, layers, classes, eps = 12, 3, 4, 32, 4, 2, 5, 1e-6
    mlp = 2 * d
    patches = (image // patch) ** 2
    conv = nn.Conv2d(channels, d, kernel_size=patch, stride=patch)
    cls = nn.Parameter(torch.randn(1, 1, d))
    pos = nn.Parameter(torch.randn(1, patches + 1, d))
    blocks = nn.ModuleList(
        nn.ModuleDict(
            {
                "layernorm_before": nn.LayerNorm(d, eps=eps),
                "query": nn.Linear(d, d),
                "key": nn.Linear(d, d),
                "value": nn.Linear(d, d),
                "attention_out": nn.Linear(d, d),
                "layernorm_after": nn.LayerNorm(d, eps=eps),
                "intermediate": nn.Linear(d, mlp),
                "output": nn.Linear(mlp, d),
            }
        )
        for _ in range(layers)
    )
    final = nn.LayerNorm(d, eps=eps)
    classifier = nn.Linear(d, classes)
    model = nn.ModuleDict(
        {"conv": conv, "blocks": blocks, "final": final, "classifier": classifier}
    )
    model.cls, model.pos = cls, pos
    jitter_norms(model)
    to_double(model).eval()

    pixels = torch.randn(BATCH, channels, image, image, dtype=torch.float64)
    with torch.no_grad():
        x = conv(pixels).flatten(2).transpose(1, 2)  # [B, P, D], patches in row-major order
        x = torch.cat((model.cls.expand(BATCH, -1, -1), x), dim=1) + model.pos  # [B, P + 1, D]
        for b in blocks:
            h = b["layernorm_before"](x)
            q, k, v = b["query"](h), b["key"](h), b["value"](h)
            a = attention_core(q, k, v, heads, heads, 1 / math.sqrt(d // heads))
            x = x + b["attention_out"](a)
            x = x + b["output"](F.gelu(b["intermediate"](b["layernorm_after"](x))))
        logits = classifier(final(x)[:, 0])

    weights = {
        "vit.embeddings.cls_token": model.cls,
        "vit.embeddings.position_embeddings": model.pos,
        "vit.embeddings.patch_embeddings.projection.weight": conv.weight,
        "vit.embeddings.patch_embeddings.projection.bias": conv.bias,
    }
    for i, b in enumerate(blocks):
        p = f"vit.encoder.layer.{i}"
        weights |= layernorm_weights(f"{p}.layernorm_before", b["layernorm_before"])
        weights |= linear_weights(f"{p}.attention.attention.query", b["query"])
        weights |= linear_weights(f"{p}.attention.attention.key", b["key"])
        weights |= linear_weights(f"{p}.attention.attention.value", b["value"])
        weights |= linear_weights(f"{p}.attention.output.dense", b["attention_out"])
        weights |= layernorm_weights(f"{p}.layernorm_after", b["layernorm_after"])
        weights |= linear_weights(f"{p}.intermediate.dense", b["intermediate"])
        weights |= linear_weights(f"{p}.output.dense", b["output"])
    weights |= layernorm_weights("vit.layernorm", final)
    weights |= linear_weights("classifier", classifier)

    spec = f"""\
// Parity case vit: a ViT ({image} × {image} × {channels} images cut into {patch} × {patch} patches
// by nn.Conv2d, a [CLS] token, learned positions, pre-norm blocks with exact GELU and eps 1e-6, a
// final LayerNorm, a classifier on [CLS]), weights in the Hugging Face ViT layout.
// Generated by parity/make_fixtures.py.
model vit {{
  dims {{ image = {image}, channels = {channels}, patch = {patch}, d = {d}, heads = {heads} }}
  dims {{ layers = {layers}, classes = {classes} }}
  dims {{ grid = image / patch, positions = grid * grid + 1 }}
  input pixels: float[batch, channels, image, image]

  x = cls_token(patch_embed(pixels, patch, d))
  x = x + learned_positions(x, positions)
  repeat layers as encoder {{
    x = x + attention(layernorm(x, eps = 1e-6), heads)
    x = x + mlp(layernorm(x, eps = 1e-6), {mlp}, act = gelu)
  }}
  x = layernorm(x, eps = 1e-6)
  output logits = classifier(cls_pool(x), classes)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="hf-vit",
        weights=weights,
        inputs={"pixels": pixels},
        outputs={"logits": logits},
    )


# ---------------------------------------------------------------------------------------------
# T5 (Hugging Face T5 layout)


def t5_bucket(relative, bidirectional, buckets, max_distance):
    """Hugging Face T5's _relative_position_bucket, verbatim (the log in float32, as there)."""
    out = 0
    n = buckets
    if bidirectional:
        n //= 2
        out += (relative > 0).to(torch.long) * n
        relative = torch.abs(relative)
    else:
        relative = -torch.min(relative, torch.zeros_like(relative))
    max_exact = n // 2
    small = relative < max_exact
    log_ratio = torch.log(relative.float() / max_exact) / math.log(max_distance / max_exact)
    large = max_exact + (log_ratio * (n - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, n - 1))
    return out + torch.where(small, relative, large)


def t5_bias(table, q_len, k_len, bidirectional, buckets, max_distance):
    """[heads, q_len, k_len] bias of table [buckets, heads] for relative position key − query."""
    relative = torch.arange(k_len)[None, :] - torch.arange(q_len)[:, None]  # [Q, K]
    return table[t5_bucket(relative, bidirectional, buckets, max_distance)].permute(2, 0, 1)


def t5_case(seed: int) -> Case:
    name = "t5"
    torch.manual_seed(seed)
    vocab, d, heads, ffn, layers, buckets, max_distance, eps = 64, 32, 4, 64, 2, 8, 16, 1e-6
    src_len, tgt_len = 10, 12

    def lin(i, o):
        return nn.Linear(i, o, bias=False)

    def attn():
        return nn.ModuleDict({"q": lin(d, d), "k": lin(d, d), "v": lin(d, d), "o": lin(d, d)})

    def dense():
        return nn.ModuleDict({"wi": lin(d, ffn), "wo": lin(ffn, d)})

    shared = nn.Embedding(vocab, d)
    enc = nn.ModuleList(
        nn.ModuleDict({"SelfAttention": attn(), "DenseReluDense": dense()}) for _ in range(layers)
    )
    dec = nn.ModuleList(
        nn.ModuleDict(
            {"SelfAttention": attn(), "EncDecAttention": attn(), "DenseReluDense": dense()}
        )
        for _ in range(layers)
    )
    for block in enc:
        block.norms = nn.ParameterList([norm_weight(d), norm_weight(d)])
    for block in dec:
        block.norms = nn.ParameterList([norm_weight(d), norm_weight(d), norm_weight(d)])
    enc_rel = nn.Parameter(torch.randn(buckets, heads))
    dec_rel = nn.Parameter(torch.randn(buckets, heads))
    enc_final, dec_final = norm_weight(d), norm_weight(d)
    model = nn.ModuleDict({"shared": shared, "enc": enc, "dec": dec})
    model.extra = nn.ParameterList([enc_rel, dec_rel, enc_final, dec_final])
    to_double(model).eval()
    enc_rel, dec_rel, enc_final, dec_final = model.extra

    tokens = torch.randint(0, vocab, (BATCH, src_len))
    targets = torch.randint(0, vocab, (BATCH, tgt_len))
    real = padding(src_len, 3)

    def t5_attention(m, x, source, bias=None, key_real=None, causal=False):
        # T5 does not scale the scores (1/sqrt(head_dim) is folded into its initialisation).
        q, k, v = m["q"](x), m["k"](source), m["v"](source)
        a = attention_core(q, k, v, heads, heads, 1.0, bias, key_real, causal)
        return m["o"](a)

    def ffn_relu(m, x):
        return m["wo"](F.relu(m["wi"](x)))

    with torch.no_grad():
        x = shared(tokens)
        bias = t5_bias(enc_rel, src_len, src_len, True, buckets, max_distance)[None]  # [1, H, S, S]
        for block in enc:
            h = rms_norm(x, block.norms[0], eps)
            x = x + t5_attention(block["SelfAttention"], h, h, bias, real)
            x = x + ffn_relu(block["DenseReluDense"], rms_norm(x, block.norms[1], eps))
        memory = rms_norm(x, enc_final, eps)

        y = shared(targets)
        bias = t5_bias(dec_rel, tgt_len, tgt_len, False, buckets, max_distance)[None]
        for block in dec:
            h = rms_norm(y, block.norms[0], eps)
            y = y + t5_attention(block["SelfAttention"], h, h, bias, causal=True)
            h = rms_norm(y, block.norms[1], eps)
            y = y + t5_attention(block["EncDecAttention"], h, memory, key_real=real)
            y = y + ffn_relu(block["DenseReluDense"], rms_norm(y, block.norms[2], eps))
        y = rms_norm(y, dec_final, eps) * d**-0.5  # tied head: T5 rescales before it
        logits = y @ shared.weight.T

    weights = {"shared.weight": shared.weight}
    for stack, blocks in (("encoder", enc), ("decoder", dec)):
        for i, block in enumerate(blocks):
            p = f"{stack}.block.{i}.layer"
            sub = ["SelfAttention", "EncDecAttention"] if stack == "decoder" else ["SelfAttention"]
            for j, kind in enumerate([*sub, "DenseReluDense"]):
                for w, linear in block[kind].items():
                    weights[f"{p}.{j}.{kind}.{w}.weight"] = linear.weight
                weights[f"{p}.{j}.layer_norm.weight"] = block.norms[j]
            if i == 0:  # only the first block of each stack holds the relative position table
                table = enc_rel if stack == "encoder" else dec_rel
                weights[f"{p}.0.SelfAttention.relative_attention_bias.weight"] = table
        weights[f"{stack}.final_layer_norm.weight"] = enc_final if stack == "encoder" else dec_final

    spec = f"""\
// Parity case t5: a T5 encoder-decoder (RMSNorm without mean, no biases, unscaled attention
// logits, ReLU FFN, one relative position bias per stack, a shared embedding and tied LM head
// after the 1/sqrt(d) rescale), weights in the Hugging Face T5 layout.
// Generated by parity/make_fixtures.py.

/** One encoder layer: bidirectional self-attention, then a ReLU feed-forward network. */
block t5_encoder_layer(x, rel, mask, heads, ffn, eps = 1e-6) {{
  h = rmsnorm(x, eps = eps)
  x = x + attention(h, heads, padding = mask, position_bias = rel, scale = 1, bias = false)
  x = x + mlp(rmsnorm(x, eps = eps), ffn, act = relu, bias = false)
  return x
}}

/** One decoder layer: causal self-attention, cross-attention to the encoder, then the FFN. */
block t5_decoder_layer(y, memory, rel, mask, heads, ffn, eps = 1e-6) {{
  h = rmsnorm(y, eps = eps)
  y = y + attention(h, heads, causal, position_bias = rel, scale = 1, bias = false)
  h = rmsnorm(y, eps = eps)
  y = y + cross_attention(h, memory, heads, padding = mask, scale = 1, bias = false)
  y = y + mlp(rmsnorm(y, eps = eps), ffn, act = relu, bias = false)
  return y
}}

model t5 {{
  dims {{ vocab = {vocab}, d = {d}, heads = {heads}, ffn = {ffn}, layers = {layers}, max_len = 16 }}
  input tokens: int[batch, src_len <= max_len]
  input mask: bool[batch, src_len]
  input targets: int[batch, tgt_len <= max_len]

  x = embed(tokens, vocab, d) as shared
  enc_rel = relative_position_bias(heads, buckets = {buckets}, max_distance = {max_distance}, bidirectional = true)
  repeat layers as encoder {{
    x = t5_encoder_layer(x, enc_rel, mask, heads, ffn)
  }}
  memory = rmsnorm(x, eps = 1e-6)

  y = embed(targets, tied_to = shared)
  dec_rel = relative_position_bias(heads, buckets = {buckets}, max_distance = {max_distance}, bidirectional = false)
  repeat layers as decoder {{
    y = t5_decoder_layer(y, memory, dec_rel, mask, heads, ffn)
  }}
  y = rmsnorm(y, eps = 1e-6)
  output logits = lm_head(y * (1 / sqrt(d)), tied_to = shared)
}}
"""
    return Case(
        name=name,
        spec=spec,
        layout="hf-t5",
        weights=weights,
        inputs={"tokens": tokens, "mask": real, "targets": targets},
        outputs={"logits": logits},
        decode={"step_input": "targets", "prefix": 3},
    )


# ---------------------------------------------------------------------------------------------
# Checks against Loom's own view of each spec


def loom_ir(spec_path: Path) -> dict | None:
    """The typed IR of a spec from `bin/loom check --emit ir-json`, or None when node cannot run it."""
    try:
        run = subprocess.run(
            ["node", str(ROOT / "bin" / "loom"), "check", "--emit", "ir-json", str(spec_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"  (could not run bin/loom: {error}; spec not checked)")
        return None
    if run.returncode != 0:
        raise SystemExit(f"{spec_path} does not check:\n{run.stdout}\n{run.stderr}")
    return json.loads(run.stdout)


def check_against_ir(case: Case, ir: dict) -> None:
    expected = {
        f"{node['name']}.{w['name']}": w["shape"] for node in ir["nodes"] for w in node["weights"]
    }
    total = sum(math.prod(shape) for shape in expected.values())
    saved = sum(t.numel() for t in case.weights.values())
    if saved != total:
        raise SystemExit(f"{case.name}: saved {saved} weight values, the spec has {total}")
    if case.layout == "loom":
        got = {name: list(t.shape) for name, t in case.weights.items()}
        if got != expected:
            missing = sorted(set(expected) - set(got))
            extra = sorted(set(got) - set(expected))
            wrong = sorted(n for n in set(got) & set(expected) if got[n] != expected[n])
            raise SystemExit(
                f"{case.name}: names differ from the spec: "
                f"missing {missing}, extra {extra}, other shapes {wrong}"
            )
    inputs = {i["name"] for i in ir["inputs"]}
    outputs = {o["name"] for o in ir["outputs"]}
    if inputs != set(case.inputs) or outputs != set(case.outputs):
        raise SystemExit(
            f"{case.name}: inputs/outputs {sorted(case.inputs)}/{sorted(case.outputs)}, "
            f"but the spec has {sorted(inputs)}/{sorted(outputs)}"
        )


# ---------------------------------------------------------------------------------------------


def variant_cases() -> list[Case]:
    """The attention, position and residual variants of parity/variant_cases.py (imported here:
    it imports this module's helpers)."""
    from variant_cases import (
        alibi_bloom_case,
        alibi_encoder_case,
        parallel_residual_case,
        sinusoid_out_case,
    )

    return [
        alibi_bloom_case(13),
        alibi_encoder_case(14),
        sinusoid_out_case(15),
        parallel_residual_case(16),
    ]


def main() -> None:
    torch.set_grad_enabled(True)
    cases = [
        encoder_case("encoder_post_gelu", 1, norm_first=False, act="gelu"),
        encoder_case("encoder_post_relu", 2, norm_first=False, act="relu"),
        encoder_case("encoder_pre_gelu", 3, norm_first=True, act="gelu"),
        encoder_case("encoder_pre_relu", 4, norm_first=True, act="relu"),
        bert_case(5),
        gpt2_case(6),
        transformer_case(7),
        llama_case(8),
        mixtral_case(9),
        moe_shared_case(10),
        vit_case(11),
        t5_case(12),
        *variant_cases(),
        sentence_encoder_case(13),
    ]
    total = 0
    for case in cases:
        spec_path = SPECS / f"{case.name}.loom"
        spec_path.parent.mkdir(parents=True, exist_ok=True)
        spec_path.write_text(case.spec)
        for name, t in case.weights.items():
            assert t.dtype == torch.float64, name
            assert torch.equal(t.float().double(), t), f"{case.name}: {name} is not float32-exact"
        weights = {name: t.detach().float() for name, t in case.weights.items()}
        size = write_safetensors(
            FIXTURES / f"{case.name}.safetensors",
            weights,
            {"format": "pt", "generator": "parity/make_fixtures.py", "case": case.name},
        )
        io = {f"input.{n}": t.detach().to(torch.float64) for n, t in case.inputs.items()}
        io |= {f"output.{n}": t.detach().to(torch.float64) for n, t in case.outputs.items()}
        meta = {
            "case": case.name,
            "spec": f"test/parity/specs/{case.name}.loom",
            "model": case.name,
            "layout": case.layout,
            "torch": torch.__version__,
            "generator": "parity/make_fixtures.py",
        }
        if case.decode:
            meta["decode"] = json.dumps(case.decode)
        size += write_safetensors(FIXTURES / f"{case.name}.io.safetensors", io, meta)
        total += size
        ir = loom_ir(spec_path)
        if ir is not None:
            check_against_ir(case, ir)
        params = sum(t.numel() for t in case.weights.values())
        outputs = ", ".join(
            f"{n} {list(t.shape)} max|·| {t.abs().max().item():.3g}" for n, t in case.outputs.items()
        )
        print(f"{case.name:18} {case.layout:9} {params:6} weights {size / 1024:6.1f} KiB  {outputs}")
        for note in case.notes:
            print(f"{'':18} {note}")
    print(f"total fixture size: {total / 1024:.1f} KiB ({total} bytes, limit {SIZE_LIMIT})")
    if total > SIZE_LIMIT:
        raise SystemExit("fixtures exceed the size limit")


if __name__ == "__main__":
    main()
