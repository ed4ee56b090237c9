"""Parity cases for the attention and position variants: ALiBi (BLOOM's decoder form and a
bidirectional encoder), attention with another output width (`out =`), and sinusoidal positions
in both layouts with timescale ranges (tensor2tensor's get_timing_signal_1d).

make_fixtures.py imports these cases and writes their files like its own; see parity/README.md.
Each model is written with torch ops from its paper's or reference code's formulas, not from
Loom's: BLOOM's slopes and its `slope · key position` bias, tensor2tensor's timescales.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from make_fixtures import (
    BATCH,
    Case,
    apply_rope,
    attention_core,
    jitter_norms,
    layernorm_weights,
    linear_weights,
    padding,
    to_double,
)


def bloom_alibi_slopes(heads: int) -> torch.Tensor:
    """BLOOM's build_alibi_tensor slopes (the ALiBi paper's get_slopes), float64 [heads]."""
    closest = 2 ** math.floor(math.log2(heads))
    base = 2.0 ** (-(2.0 ** -(math.log2(closest) - 3)))
    slopes = [base**i for i in range(1, closest + 1)]
    if closest != heads:
        extra_base = 2.0 ** (-(2.0 ** -(math.log2(2 * closest) - 3)))
        slopes += [extra_base**i for i in range(1, 2 * (heads - closest), 2)]
    return torch.tensor(slopes, dtype=torch.float64)


def timing_signal(length: int, channels: int, min_ts: float, max_ts: float, halves: bool):
    """tensor2tensor's get_timing_signal_1d as its docstring states it: timescales spaced
    geometrically from min_ts to max_ts over channels // 2 pairs; `halves` = [sin…, cos…] with an
    odd width padded by a zero column, else sin and cos of each pair interleaved. [length, channels]."""
    pairs = channels // 2
    increment = math.log(max_ts / min_ts) / max(pairs - 1, 1)
    inv_timescales = torch.exp(torch.arange(pairs, dtype=torch.float64) * -increment) / min_ts
    scaled = torch.arange(length, dtype=torch.float64)[:, None] * inv_timescales[None, :]
    if halves:
        signal = torch.cat([torch.sin(scaled), torch.cos(scaled)], dim=1)
        return F.pad(signal, (0, channels % 2))
    assert channels % 2 == 0, "interleaved timing signals here have an even width"
    signal = torch.zeros(length, channels, dtype=torch.float64)
    signal[:, 0::2] = torch.sin(scaled)
    signal[:, 1::2] = torch.cos(scaled)
    return signal


class Attention(nn.Module):
    """q, k, v: d → heads·hd; o: heads·hd → out. Weights named as Loom's attention layer."""

    def __init__(self, d: int, heads: int, out: int, rope_theta: float | None = None):
        super().__init__()
        self.heads = heads
        self.rope_theta = rope_theta
        self.q, self.k, self.v = (nn.Linear(d, d) for _ in range(3))
        self.o = nn.Linear(d, out)

    def forward(self, x, bias=None, key_real=None, causal=False):
        hd = x.shape[-1] // self.heads
        q, k = self.q(x), self.k(x)  # [B, S, H·hd]
        if self.rope_theta is not None:
            positions = torch.arange(x.shape[1])
            q = apply_rope(q, self.heads, self.rope_theta, positions)
            k = apply_rope(k, self.heads, self.rope_theta, positions)
        context = attention_core(
            q, k, self.v(x), self.heads, self.heads, 1 / math.sqrt(hd),
            bias=bias, key_real=key_real, causal=causal,
        )  # [B, S, H·hd]
        return self.o(context)

    def weights(self, prefix: str) -> dict[str, torch.Tensor]:
        out = {}
        for name in "qkvo":
            out |= linear_weights(f"{prefix}.{name}", getattr(self, name))
        return out


def pre_ln_block(d: int, heads: int, hidden: int, rope_theta=None, out=None) -> nn.ModuleDict:
    """ln_1 → attn and ln_2 → up → act → down: Loom's pre-norm block (or a NeoX parallel one);
    the attention projects to `out` (default d), the width the MLP then works in."""
    n = out or d
    return nn.ModuleDict({
        "ln_1": nn.LayerNorm(d),
        "attn": Attention(d, heads, n, rope_theta),
        "ln_2": nn.LayerNorm(n),
        "up": nn.Linear(n, hidden),
        "down": nn.Linear(hidden, n),
    })


def pre_ln_block_weights(prefix: str, block: nn.ModuleDict) -> dict[str, torch.Tensor]:
    """A pre_ln_block's weights under Loom's names for `attention(layernorm(x), …)` then
    `mlp(layernorm(x), …)`, in the scope `prefix` ("" for the top level)."""
    p = f"{prefix}." if prefix else ""
    weights = layernorm_weights(f"{p}layernorm", block["ln_1"])
    weights |= block["attn"].weights(f"{p}attention")
    weights |= layernorm_weights(f"{p}layernorm_1", block["ln_2"])
    weights |= linear_weights(f"{p}mlp.up", block["up"])
    weights |= linear_weights(f"{p}mlp.down", block["down"])
    return weights


def alibi_bloom_case(seed: int) -> Case:
    """A BLOOM-style decoder: embedding LayerNorm, pre-LN blocks, causal ALiBi attention with 6
    heads (not a power of two), tanh GELU, LM head tied to the embedding."""
    name = "alibi_bloom"
    torch.manual_seed(seed)
    vocab, ctx, d, heads, layers, seq = 64, 16, 24, 6, 2, 10
    model = nn.ModuleDict({
        "wte": nn.Embedding(vocab, d),
        "ln_emb": nn.LayerNorm(d),
        "blocks": nn.ModuleList(pre_ln_block(d, heads, 4 * d) for _ in range(layers)),
        "ln_f": nn.LayerNorm(d),
    })
    with torch.no_grad():
        model["wte"].weight.mul_(0.5)
    jitter_norms(model)
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    # BLOOM's bias: slope_h · key position, the same for every query (softmax is shift-invariant
    # per query, so this equals −slope_h · (query − key) on the causal keys).
    alibi = bloom_alibi_slopes(heads)[:, None, None] * torch.arange(seq, dtype=torch.float64)
    with torch.no_grad():
        x = model["ln_emb"](model["wte"](tokens))
        for block in model["blocks"]:
            x = x + block["attn"](block["ln_1"](x), bias=alibi, causal=True)
            x = x + block["down"](F.gelu(block["up"](block["ln_2"](x)), approximate="tanh"))
        logits = model["ln_f"](x) @ model["wte"].weight.T  # [B, S, vocab]

    weights = {"wte.weight": model["wte"].weight}
    weights |= layernorm_weights("layernorm", model["ln_emb"])
    for i, block in enumerate(model["blocks"]):
        weights |= pre_ln_block_weights(f"h.{i}", block)
    weights |= layernorm_weights("layernorm_1", model["ln_f"])
    spec = f"""\
// Parity case {name}: a BLOOM-style decoder with causal ALiBi attention ({heads} heads: the
// slopes of a non-power of two), an embedding LayerNorm, tanh GELU, a tied LM head.
// Generated by parity/make_fixtures.py (parity/variant_cases.py).
model {name} {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, layers = {layers} }}
  input tokens: int[batch, seq <= ctx]

  x = layernorm(embed(tokens, vocab, d) as wte)
  repeat layers as h {{
    x = x + attention(layernorm(x), heads, causal, alibi)
    x = x + mlp(layernorm(x), 4 * d, act = gelu_tanh)
  }}
  output logits = lm_head(layernorm(x), tied_to = wte)
}}
"""
    return Case(
        name=name, spec=spec, layout="loom", weights=weights, inputs={"tokens": tokens},
        outputs={"logits": logits}, decode={"step_input": "tokens", "prefix": 4},
    )


def alibi_encoder_case(seed: int) -> Case:
    """An encoder with bidirectional ALiBi (−slope_h · |i − j|), 4 heads, a padding mask."""
    name = "alibi_encoder"
    torch.manual_seed(seed)
    vocab, ctx, d, heads, layers, seq = 64, 16, 32, 4, 2, 10
    model = nn.ModuleDict({
        "tok": nn.Embedding(vocab, d),
        "blocks": nn.ModuleList(pre_ln_block(d, heads, 2 * d) for _ in range(layers)),
        "ln_f": nn.LayerNorm(d),
    })
    jitter_norms(model)
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    real = padding(seq, 3)
    position = torch.arange(seq, dtype=torch.float64)
    distance = (position[:, None] - position[None, :]).abs()  # [S, S]
    alibi = -bloom_alibi_slopes(heads)[:, None, None] * distance  # [H, S, S]
    with torch.no_grad():
        x = model["tok"](tokens)
        for block in model["blocks"]:
            x = x + block["attn"](block["ln_1"](x), bias=alibi, key_real=real)
            x = x + block["down"](F.relu(block["up"](block["ln_2"](x))))
        hidden = model["ln_f"](x)

    weights = {"tok.weight": model["tok"].weight}
    for i, block in enumerate(model["blocks"]):
        weights |= pre_ln_block_weights(f"layers.{i}", block)
    weights |= layernorm_weights("layernorm", model["ln_f"])
    spec = f"""\
// Parity case {name}: pre-LN encoder blocks with bidirectional ALiBi (−slope · |i − j|) and a
// padding mask, ReLU MLPs, a final LayerNorm. Generated by parity/make_fixtures.py
// (parity/variant_cases.py).
model {name} {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, layers = {layers} }}
  input tokens: int[batch, seq <= ctx]
  input mask: bool[batch, seq]

  x = embed(tokens, vocab, d) as tok
  repeat layers as layers {{
    x = x + attention(layernorm(x), heads, padding = mask, alibi)
    x = x + mlp(layernorm(x), 2 * d, act = relu)
  }}
  output hidden = layernorm(x)
}}
"""
    return Case(
        name=name, spec=spec, layout="loom", weights=weights,
        inputs={"tokens": tokens, "mask": real}, outputs={"hidden": hidden},
    )


def sinusoid_out_case(seed: int) -> Case:
    """Timing signals in both layouts with timescale ranges, and attention whose output
    projection widens d = 20 to n = 25 (an odd width, so the halves signal ends in a zero column)."""
    name = "sinusoid_out"
    torch.manual_seed(seed)
    vocab, ctx, d, heads, n, seq = 64, 16, 20, 5, 25, 10
    model = nn.ModuleDict({
        "tok": nn.Embedding(vocab, d),
        "block": pre_ln_block(d, heads, 2 * n, out=n),
        "ln_f": nn.LayerNorm(n),
    })
    block = model["block"]
    jitter_norms(model)
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    real = padding(seq, 3)
    with torch.no_grad():
        x = model["tok"](tokens) + timing_signal(seq, d, 2.0, 500.0, halves=False)
        y = block["attn"](block["ln_1"](x), key_real=real)  # [B, S, n]
        y = y + timing_signal(seq, n, 1.0, 1.0e4, halves=True)
        y = y + block["down"](F.gelu(block["up"](block["ln_2"](y))))
        hidden = model["ln_f"](y)

    weights = {"tok.weight": model["tok"].weight}
    weights |= pre_ln_block_weights("", block)
    weights |= layernorm_weights("layernorm_2", model["ln_f"])
    spec = f"""\
// Parity case {name}: interleaved sinusoids with timescales 2 to 500, attention projecting
// d = {d} to n = {n} (`out = n`), then tensor2tensor's timing signal (halves, timescales 1 to 1e4,
// an odd width) added to its output. Generated by parity/make_fixtures.py (parity/variant_cases.py).
model {name} {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads}, n = {n} }}
  input tokens: int[batch, seq <= ctx]
  input mask: bool[batch, seq]

  x = embed(tokens, vocab, d) as tok
  x = x + sinusoidal_positions(x, min_timescale = 2, max_timescale = 500)
  y = attention(layernorm(x), heads, padding = mask, out = n)
  y = y + sinusoidal_positions(y, layout = halves, min_timescale = 1, max_timescale = 1e4)
  y = y + mlp(layernorm(y), 2 * n)
  output hidden = layernorm(y)
}}
"""
    return Case(
        name=name, spec=spec, layout="loom", weights=weights,
        inputs={"tokens": tokens, "mask": real}, outputs={"hidden": hidden},
    )


def parallel_residual_case(seed: int) -> Case:
    """Parallel attention + MLP residuals in both forms: GPT-NeoX's (two LayerNorms of the same
    x: x + attn(ln_1(x)) + mlp(ln_2(x))), then GPT-J's and Phi's (one shared LayerNorm:
    x + attn(h) + mlp(h), h = ln(x)); causal, RoPE (θ 1e4, every channel), GELU, untied head."""
    name = "parallel_residual"
    torch.manual_seed(seed)
    vocab, ctx, d, heads, seq = 64, 16, 32, 4, 10
    model = nn.ModuleDict({
        "wte": nn.Embedding(vocab, d),
        "neox": pre_ln_block(d, heads, 4 * d, rope_theta=1e4),
        "ln_j": nn.LayerNorm(d),
        "attn_j": Attention(d, heads, d, rope_theta=1e4),
        "up_j": nn.Linear(d, 4 * d),
        "down_j": nn.Linear(4 * d, d),
        "ln_f": nn.LayerNorm(d),
        "head": nn.Linear(d, vocab, bias=False),
    })
    jitter_norms(model)
    to_double(model).eval()
    tokens = torch.randint(0, vocab, (BATCH, seq))
    with torch.no_grad():
        x = model["wte"](tokens)
        neox = model["neox"]
        x = (
            x
            + neox["attn"](neox["ln_1"](x), causal=True)
            + neox["down"](F.gelu(neox["up"](neox["ln_2"](x))))
        )
        h = model["ln_j"](x)
        x = x + model["attn_j"](h, causal=True) + model["down_j"](F.gelu(model["up_j"](h)))
        logits = model["head"](model["ln_f"](x))  # [B, S, vocab]

    weights = {"wte.weight": model["wte"].weight}
    weights |= pre_ln_block_weights("", model["neox"])
    weights |= layernorm_weights("layernorm_2", model["ln_j"])
    weights |= model["attn_j"].weights("attention_1")
    weights |= linear_weights("mlp_1.up", model["up_j"])
    weights |= linear_weights("mlp_1.down", model["down_j"])
    weights |= layernorm_weights("layernorm_3", model["ln_f"])
    weights |= linear_weights("lm_head", model["head"])
    spec = f"""\
// Parity case {name}: parallel attention + MLP residuals, GPT-NeoX's form (two LayerNorms of
// the same x) then GPT-J's and Phi's (one shared LayerNorm); causal, RoPE, exact GELU.
// Generated by parity/make_fixtures.py (parity/variant_cases.py).
model {name} {{
  dims {{ vocab = {vocab}, ctx = {ctx}, d = {d}, heads = {heads} }}
  input tokens: int[batch, seq <= ctx]

  x = embed(tokens, vocab, d) as wte
  x = x + attention(layernorm(x), heads, causal, rope(theta = 10000)) + mlp(layernorm(x), 4 * d)
  h = layernorm(x)
  x = x + attention(h, heads, causal, rope(theta = 10000)) + mlp(h, 4 * d)
  output logits = lm_head(layernorm(x), vocab)
}}
"""
    return Case(
        name=name, spec=spec, layout="loom", weights=weights, inputs={"tokens": tokens},
        outputs={"logits": logits}, decode={"step_input": "tokens", "prefix": 4},
    )
