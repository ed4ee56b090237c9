#!/usr/bin/env python3
"""Builds the PyTorch fixtures that prove `loom import` (src/compiler/import/hf/).

Run from anywhere:  /usr/bin/python3 parity/make_import_fixtures.py

For each hand-written tiny Hugging Face config in test/import/parity/<case>.config.json it builds
the model the way Hugging Face transformers computes it, as plain torch ops over a dict of
tensors named exactly as the family's checkpoints name them (`transformer.h.0.attn.c_attn.weight`
as a Conv1D [in, out], `model.layers.0.self_attn.q_proj.weight`, `bert.encoder.layer.0...`),
seeded, with float32 weights and float64 outputs computed from them. It writes

  test/import/parity/<case>.safetensors     the weights, float32, Hugging Face names only
  test/import/parity/<case>.io.safetensors  `input.<name>` / `output.<name>` (float64) and
                                            `__metadata__`: case, config, layout

test/import/import-parity.test.ts imports each config with `loom import`'s importer, binds the
weights through the layout, runs the CPU reference executor and requires max |Loom − PyTorch|
<= 1e-4. Nothing here reads Loom's code: the spec is the importer's, the math is PyTorch's.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import (  # noqa: E402
    BATCH,
    attention_core,
    padding,
    rms_norm,
    t5_bias,
    write_safetensors,
)

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "test" / "import" / "parity"
SIZE_LIMIT = 1024 * 1024

ACT = {
    "gelu": F.gelu,
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "silu": F.silu,
}


class Weights:
    """Seeded float32 tensors by Hugging Face name, used in float64 (an exact conversion)."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}

    def add(self, name: str, shape: tuple[int, ...], kind: str = "proj") -> torch.Tensor:
        if kind == "norm":
            t = 1 + 0.1 * torch.randn(shape)
        elif kind == "bias":
            t = 0.1 * torch.randn(shape)
        elif kind == "embed":
            t = 0.5 * torch.randn(shape)
        else:  # a projection [out, in] (or Conv1D [in, out]): about PyTorch's default scale
            t = torch.randn(shape) / math.sqrt(shape[-1] if len(shape) > 1 else 1)
        self.tensors[name] = t.float().double()
        return self.tensors[name]

    def linear(self, name: str, out: int, inp: int, bias: bool = True):
        """nn.Linear: weight [out, in], y = x Wᵀ + b."""
        w = self.add(f"{name}.weight", (out, inp))
        b = self.add(f"{name}.bias", (out,), "bias") if bias else None
        return lambda x: F.linear(x, w, b)

    def conv1d(self, name: str, inp: int, out: int):
        """GPT-2's Conv1D: weight [in, out], y = x W + b."""
        w = self.add(f"{name}.weight", (inp, out))
        b = self.add(f"{name}.bias", (out,), "bias")
        return lambda x: x @ w + b

    def layernorm(self, name: str, d: int, eps: float):
        w = self.add(f"{name}.weight", (d,), "norm")
        b = self.add(f"{name}.bias", (d,), "bias")
        return lambda x: F.layer_norm(x, (d,), w, b, eps)

    def rmsnorm(self, name: str, d: int, eps: float):
        w = self.add(f"{name}.weight", (d,), "norm")
        return lambda x: rms_norm(x, w, eps)


def rope(x, heads, head_dim, theta):
    """Hugging Face's rotate-half RoPE. x: [B, S, heads·hd]; pairs (i, i + hd/2)."""
    b, s, _ = x.shape
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    freqs = torch.arange(s, dtype=torch.float64)[:, None] * inv_freq[None, :]  # [S, hd/2]
    emb = torch.cat((freqs, freqs), dim=-1)  # [S, hd]
    x = x.view(b, s, heads, head_dim)
    half = head_dim // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    out = x * emb.cos()[None, :, None, :] + rotated * emb.sin()[None, :, None, :]
    return out.reshape(b, s, heads * head_dim)


# ---------------------------------------------------------------------------------------------


def gpt2_case(cfg: dict, seq: int):
    """GPT2LMHeadModel: wte + wpe, pre-LN blocks (fused c_attn), ln_f, head tied to wte."""
    d, heads, layers = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    ffn = cfg.get("n_inner") or 4 * d
    eps, act = cfg["layer_norm_epsilon"], ACT[cfg["activation_function"]]
    w = Weights()
    wte = w.add("transformer.wte.weight", (cfg["vocab_size"], d), "embed")
    wpe = w.add("transformer.wpe.weight", (cfg["n_positions"], d), "embed")
    blocks = []
    for i in range(layers):
        p = f"transformer.h.{i}"
        blocks.append(
            (
                w.layernorm(f"{p}.ln_1", d, eps),
                w.conv1d(f"{p}.attn.c_attn", d, 3 * d),
                w.conv1d(f"{p}.attn.c_proj", d, d),
                w.layernorm(f"{p}.ln_2", d, eps),
                w.conv1d(f"{p}.mlp.c_fc", d, ffn),
                w.conv1d(f"{p}.mlp.c_proj", ffn, d),
            )
        )
    ln_f = w.layernorm("transformer.ln_f", d, eps)
    tokens = torch.randint(0, cfg["vocab_size"], (BATCH, seq))

    x = wte[tokens] + wpe[:seq]  # [B, S, D]
    for ln_1, c_attn, c_proj, ln_2, c_fc, mlp_proj in blocks:
        q, k, v = c_attn(ln_1(x)).split(d, dim=-1)  # [B, S, D] each
        a = attention_core(q, k, v, heads, heads, 1 / math.sqrt(d // heads), causal=True)
        x = x + c_proj(a)
        x = x + mlp_proj(act(c_fc(ln_2(x))))  # [B, S, D]
    logits = ln_f(x) @ wte.T  # [B, S, vocab]
    return w, {"tokens": tokens}, {"logits": logits}


def bert_case(cfg: dict, seq: int):
    """BertModel: word + position + token-type embeddings, LN, post-LN layers, tanh pooler."""
    d, heads, ffn = cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"]
    eps, act = cfg["layer_norm_eps"], ACT[cfg["hidden_act"]]
    w = Weights()
    word = w.add("bert.embeddings.word_embeddings.weight", (cfg["vocab_size"], d), "embed")
    e = "bert.embeddings"
    pos = w.add(f"{e}.position_embeddings.weight", (cfg["max_position_embeddings"], d), "embed")
    types = w.add(f"{e}.token_type_embeddings.weight", (cfg["type_vocab_size"], d), "embed")
    emb_ln = w.layernorm("bert.embeddings.LayerNorm", d, eps)
    layers = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}"
        layers.append(
            (
                w.linear(f"{p}.attention.self.query", d, d),
                w.linear(f"{p}.attention.self.key", d, d),
                w.linear(f"{p}.attention.self.value", d, d),
                w.linear(f"{p}.attention.output.dense", d, d),
                w.layernorm(f"{p}.attention.output.LayerNorm", d, eps),
                w.linear(f"{p}.intermediate.dense", ffn, d),
                w.linear(f"{p}.output.dense", d, ffn),
                w.layernorm(f"{p}.output.LayerNorm", d, eps),
            )
        )
    pooler = w.linear("bert.pooler.dense", d, d)
    tokens = torch.randint(0, cfg["vocab_size"], (BATCH, seq))
    segments = torch.zeros(BATCH, seq, dtype=torch.long)
    segments[:, seq // 2 :] = 1
    real = padding(seq, 3)

    x = emb_ln(word[tokens] + pos[:seq] + types[segments])  # [B, S, D]
    for q, k, v, o, ln_attn, up, down, ln_out in layers:
        a = attention_core(q(x), k(x), v(x), heads, heads, 1 / math.sqrt(d // heads), key_real=real)
        x = ln_attn(x + o(a))
        x = ln_out(x + down(act(up(x))))
    pooled = torch.tanh(pooler(x[:, 0]))  # [B, D]
    inputs = {"tokens": tokens, "segments": segments, "mask": real}
    return w, inputs, {"hidden": x, "pooled": pooled}


def llama_case(cfg: dict, seq: int):
    """LlamaForCausalLM / MixtralForCausalLM: RMSNorm, RoPE, GQA, SwiGLU or top-k experts."""
    d, heads, ffn = cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"]
    kv = cfg.get("num_key_value_heads", heads)
    hd, eps, theta = d // heads, cfg["rms_norm_eps"], cfg["rope_theta"]
    bias = cfg.get("attention_bias", False)
    experts = cfg.get("num_local_experts", 0)
    w = Weights()
    embed = w.add("model.embed_tokens.weight", (cfg["vocab_size"], d), "embed")

    def swiglu(p: str, gate: str, up: str, down: str):
        g = w.linear(f"{p}.{gate}", ffn, d, False)
        u = w.linear(f"{p}.{up}", ffn, d, False)
        o = w.linear(f"{p}.{down}", d, ffn, False)
        return lambda x: o(F.silu(g(x)) * u(x))

    def moe(p: str):
        router = w.linear(f"{p}.gate", experts, d, False)
        mlps = [swiglu(f"{p}.experts.{e}", "w1", "w3", "w2") for e in range(experts)]
        top_k = cfg["num_experts_per_tok"]

        def forward(x):  # Mixtral: softmax over all experts, keep the top k, renormalise
            probs = torch.softmax(router(x), dim=-1)  # [B, S, E]
            weight, chosen = probs.topk(top_k, dim=-1)  # [B, S, k]
            weight = weight / weight.sum(-1, keepdim=True)
            out = torch.zeros_like(x)
            for e, mlp in enumerate(mlps):
                share = (weight * (chosen == e)).sum(-1, keepdim=True)  # [B, S, 1]
                out = out + share * mlp(x)
            return out

        return forward

    def feed_forward(p: str):
        if experts:
            return moe(f"{p}.block_sparse_moe")
        return swiglu(f"{p}.mlp", "gate_proj", "up_proj", "down_proj")

    layers = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        layers.append(
            (
                w.rmsnorm(f"{p}.input_layernorm", d, eps),
                w.linear(f"{p}.self_attn.q_proj", heads * hd, d, bias),
                w.linear(f"{p}.self_attn.k_proj", kv * hd, d, bias),
                w.linear(f"{p}.self_attn.v_proj", kv * hd, d, bias),
                w.linear(f"{p}.self_attn.o_proj", d, heads * hd, bias),
                w.rmsnorm(f"{p}.post_attention_layernorm", d, eps),
                feed_forward(p),
            )
        )
    norm = w.rmsnorm("model.norm", d, eps)
    tied = cfg.get("tie_word_embeddings", False)
    head = embed if tied else w.add("lm_head.weight", (cfg["vocab_size"], d))
    tokens = torch.randint(0, cfg["vocab_size"], (BATCH, seq))

    x = embed[tokens]  # [B, S, D]
    for ln_1, q, k, v, o, ln_2, ff in layers:
        h = ln_1(x)
        qr, kr = rope(q(h), heads, hd, theta), rope(k(h), kv, hd, theta)
        x = x + o(attention_core(qr, kr, v(h), heads, kv, 1 / math.sqrt(hd), causal=True))
        x = x + ff(ln_2(x))
    logits = norm(x) @ head.T  # [B, S, vocab]
    return w, {"tokens": tokens}, {"logits": logits}


def vit_case(cfg: dict, _seq: int):
    """ViTForImageClassification: Conv2d patches, [CLS], positions, pre-LN layers, classifier."""
    d, heads, ffn = cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"]
    eps, act, patch = cfg["layer_norm_eps"], ACT[cfg["hidden_act"]], cfg["patch_size"]
    image, channels, classes = cfg["image_size"], cfg["num_channels"], len(cfg["id2label"])
    n = (image // patch) ** 2
    w = Weights()
    conv_w = w.add("vit.embeddings.patch_embeddings.projection.weight", (d, channels, patch, patch))
    conv_b = w.add("vit.embeddings.patch_embeddings.projection.bias", (d,), "bias")
    cls = w.add("vit.embeddings.cls_token", (1, 1, d), "embed")
    pos = w.add("vit.embeddings.position_embeddings", (1, n + 1, d), "embed")
    layers = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"vit.encoder.layer.{i}"
        layers.append(
            (
                w.layernorm(f"{p}.layernorm_before", d, eps),
                w.linear(f"{p}.attention.attention.query", d, d),
                w.linear(f"{p}.attention.attention.key", d, d),
                w.linear(f"{p}.attention.attention.value", d, d),
                w.linear(f"{p}.attention.output.dense", d, d),
                w.layernorm(f"{p}.layernorm_after", d, eps),
                w.linear(f"{p}.intermediate.dense", ffn, d),
                w.linear(f"{p}.output.dense", d, ffn),
            )
        )
    final = w.layernorm("vit.layernorm", d, eps)
    classifier = w.linear("classifier", classes, d)
    pixels = torch.rand(BATCH, channels, image, image, dtype=torch.float64)

    x = F.conv2d(pixels, conv_w, conv_b, stride=patch).flatten(2).transpose(1, 2)  # [B, P, D]
    x = torch.cat((cls.expand(BATCH, -1, -1), x), dim=1) + pos  # [B, P + 1, D]
    for ln_1, q, k, v, o, ln_2, up, down in layers:
        h = ln_1(x)
        x = x + o(attention_core(q(h), k(h), v(h), heads, heads, 1 / math.sqrt(d // heads)))
        x = x + down(act(up(ln_2(x))))
    logits = classifier(final(x)[:, 0])  # [B, classes]
    return w, {"pixels": pixels}, {"logits": logits}


def t5_case(cfg: dict, seq: int):
    """T5ForConditionalGeneration: RMSNorm sublayers, no biases, unscaled scores, one relative
    bias table per stack (in block 0), a gated-silu or relu FFN, an untied or rescaled tied head."""
    d, heads, hd, ffn = cfg["d_model"], cfg["num_heads"], cfg["d_kv"], cfg["d_ff"]
    eps = cfg["layer_norm_epsilon"]
    buckets = cfg["relative_attention_num_buckets"]
    distance = cfg["relative_attention_max_distance"]
    gated = cfg["feed_forward_proj"] == "gated-silu"
    w = Weights()
    shared = w.add("shared.weight", (cfg["vocab_size"], d), "embed")

    def attention(p: str):
        q, k, v = (w.linear(f"{p}.{x}", heads * hd, d, False) for x in "qkv")
        o = w.linear(f"{p}.o", d, heads * hd, False)
        return lambda x, source, bias=None, key_real=None, causal=False: o(
            attention_core(q(x), k(source), v(source), heads, heads, 1.0, bias, key_real, causal)
        )

    def feed_forward(p: str):
        if gated:  # wi_0 is the gate (through silu), wi_1 the linear side
            g, u = w.linear(f"{p}.wi_0", ffn, d, False), w.linear(f"{p}.wi_1", ffn, d, False)
            inner = lambda x: F.silu(g(x)) * u(x)  # noqa: E731
        else:
            wi = w.linear(f"{p}.wi", ffn, d, False)
            inner = lambda x: F.relu(wi(x))  # noqa: E731
        wo = w.linear(f"{p}.wo", d, ffn, False)
        return lambda x: wo(inner(x))

    def stack(name: str, layers: int, cross: bool):
        blocks = []
        for i in range(layers):
            p = f"{name}.block.{i}.layer"
            kinds = ["SelfAttention", "EncDecAttention"] if cross else ["SelfAttention"]
            norm = lambda j: w.rmsnorm(f"{p}.{j}.layer_norm", d, eps)  # noqa: E731
            block = [(norm(j), attention(f"{p}.{j}.{kind}")) for j, kind in enumerate(kinds)]
            j = len(kinds)
            block.append((norm(j), feed_forward(f"{p}.{j}.DenseReluDense")))
            blocks.append(block)
            if i == 0:
                key = f"{p}.0.SelfAttention.relative_attention_bias.weight"
                table = w.add(key, (buckets, heads), "embed")
        return blocks, table, w.rmsnorm(f"{name}.final_layer_norm", d, eps)

    encoder, enc_table, enc_final = stack("encoder", cfg["num_layers"], False)
    dec_layers = cfg.get("num_decoder_layers", cfg["num_layers"])
    decoder, dec_table, dec_final = stack("decoder", dec_layers, True)
    tied = cfg.get("tie_word_embeddings", True)
    head = shared if tied else w.add("lm_head.weight", (cfg["vocab_size"], d))
    tokens = torch.randint(0, cfg["vocab_size"], (BATCH, seq))
    targets = torch.randint(0, cfg["vocab_size"], (BATCH, seq - 2))
    real = padding(seq, 3)

    x = shared[tokens]  # [B, S, D]
    bias = t5_bias(enc_table, seq, seq, True, buckets, distance)[None]  # [1, H, S, S]
    for (ln_a, attn), (ln_f, ff) in encoder:
        h = ln_a(x)
        x = x + attn(h, h, bias, real)
        x = x + ff(ln_f(x))
    memory = enc_final(x)
    y = shared[targets]  # [B, T, D]
    bias = t5_bias(dec_table, seq - 2, seq - 2, False, buckets, distance)[None]  # [1, H, T, T]
    for (ln_a, attn), (ln_c, cross), (ln_f, ff) in decoder:
        h = ln_a(y)
        y = y + attn(h, h, bias, causal=True)
        y = y + cross(ln_c(y), memory, key_real=real)
        y = y + ff(ln_f(y))
    y = dec_final(y) * (d**-0.5 if tied else 1.0)
    logits = y @ head.T  # [B, T, vocab]
    return w, {"tokens": tokens, "mask": real, "targets": targets}, {"logits": logits}


# case: (builder, layout a checkpoint of this family needs, sequence length, seed)
CASE_BUILDERS = {
    "gpt2": (gpt2_case, "hf-gpt2", 10, 21),
    "bert": (bert_case, "hf-bert", 10, 22),
    "llama": (llama_case, "hf-llama", 10, 23),
    "mixtral": (llama_case, "hf-llama", 10, 24),
    "vit": (vit_case, "hf-vit", 0, 25),
    "t5": (t5_case, "hf-t5", 10, 26),
}


def main() -> None:
    total = 0
    for case, (build, layout, seq, seed) in CASE_BUILDERS.items():
        config_path = CASES / f"{case}.config.json"
        cfg = json.loads(config_path.read_text())
        torch.manual_seed(seed)
        with torch.no_grad():
            weights, inputs, outputs = build(cfg, seq)
        size = write_safetensors(
            CASES / f"{case}.safetensors",
            {name: t.float() for name, t in weights.tensors.items()},
            {"format": "pt", "generator": "parity/make_import_fixtures.py"},
        )
        io = {f"input.{n}": t.to(torch.float64) for n, t in inputs.items()}
        io |= {f"output.{n}": t.to(torch.float64) for n, t in outputs.items()}
        meta = {
            "case": case,
            "config": f"test/import/parity/{case}.config.json",
            "layout": layout,
            "torch": torch.__version__,
            "generator": "parity/make_import_fixtures.py",
        }
        size += write_safetensors(CASES / f"{case}.io.safetensors", io, meta)
        total += size
        params = sum(t.numel() for t in weights.tensors.values())
        shapes = ", ".join(f"{n} {list(t.shape)}" for n, t in outputs.items())
        print(f"{case:8} {layout:9} {params:6} weights {size / 1024:6.1f} KiB  {shapes}")
    print(f"total: {total / 1024:.1f} KiB (limit {SIZE_LIMIT / 1024:.0f} KiB)")
    if total > SIZE_LIMIT:
        raise SystemExit("fixtures exceed the size limit")


if __name__ == "__main__":
    main()
