"""Loom's typed IR as a PyTorch module, op for op as the CPU reference executor
(src/runtime/reference/ops.ts) computes it, so that weights trained here mean the same thing there.

The module is built from `bin/loom check --emit ir-json <spec>`: each IR node that has weights gets
parameters under exactly the IR's names (`h.0.attention.q.weight`, PyTorch [out, in] layout), tied
nodes share their table, and `state()` returns the name -> tensor map that `write_safetensors`
writes. Only the ops the trained specs use (and a few trivial others) are implemented; any other op
or attribute is refused, never approximated.
"""

import json
import math
import struct
import subprocess
from pathlib import Path

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent


def typed_ir(spec: str) -> dict:
    """The typed IR of the spec's (only) model, from the Loom CLI."""
    out = subprocess.run(
        ["node", str(REPO / "bin" / "loom"), "check", "--emit", "ir-json", spec],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def _activation(name: str):
    if name == "gelu":
        return F.gelu  # exact (erf) form, as ops.ts `gelu`
    if name == "gelu_tanh":
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu
    if name == "silu":
        return F.silu
    if name == "tanh":
        return torch.tanh
    raise NotImplementedError(f"activation {name}")


class LoomModule(torch.nn.Module):
    """Runs a typed IR. forward(**inputs) returns {output name: tensor}."""

    def __init__(self, ir: dict):
        super().__init__()
        self.ir = ir
        self.names: list[str] = []
        self.tensors = torch.nn.ParameterList()
        self.index: dict[str, int] = {}
        for node in ir["nodes"]:
            self._check_supported(node)
            for w in node["weights"]:
                name = f"{node['name']}.{w['name']}"
                self.index[name] = len(self.names)
                self.names.append(name)
                self.tensors.append(torch.nn.Parameter(torch.empty(w["shape"])))
        self.reset_parameters()

    @staticmethod
    def _check_supported(node: dict) -> None:
        op, attrs = node["op"], node["attrs"]
        if op not in OPS:
            raise NotImplementedError(f"{node['name']}: op {op}")
        if op == "attention":
            if attrs.get("rope") is not None or attrs.get("position_bias") is not None:
                raise NotImplementedError(f"{node['name']}: rope / position bias")
            if attrs.get("alibi"):
                raise NotImplementedError(f"{node['name']}: ALiBi")

    def reset_parameters(self, std: float = 0.02) -> None:
        """GPT-2's initialisation: N(0, 0.02) matrices and tables, zero biases, unit norm scales."""
        with torch.no_grad():
            for node in self.ir["nodes"]:
                for w in node["weights"]:
                    p = self.weight(node, w["name"])
                    if node["op"] in ("layernorm", "rmsnorm") and w["name"] == "weight":
                        p.fill_(1.0)
                    elif w["name"].endswith("bias"):
                        p.zero_()
                    else:
                        p.normal_(0.0, std)

    def weight(self, node: dict, name: str) -> torch.Tensor:
        """A node's weight, following `tiedTo` for the shared table (as the executor does)."""
        if node.get("tiedTo") and name == "weight":
            return self.tensors[self.index[f"{node['tiedTo']}.weight"]]
        return self.tensors[self.index[f"{node['name']}.{name}"]]

    def optional_weight(self, node: dict, name: str):
        key = f"{node['name']}.{name}"
        return self.tensors[self.index[key]] if key in self.index else None

    def forward(self, **inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        values: dict[int, torch.Tensor] = {}
        for decl in self.ir["inputs"]:
            values[decl["value"]] = inputs[decl["name"]]
        for node in self.ir["nodes"]:
            args = {role: values[v] for role, v in node["inputs"].items()}
            values[node["output"]] = OPS[node["op"]](self, node, args)
        return {out["name"]: values[out["value"]] for out in self.ir["outputs"]}

    def state(self) -> dict[str, torch.Tensor]:
        """Every weight by its Loom name (tied tables once, under the embedding's name)."""
        return {name: self.tensors[i].detach() for name, i in self.index.items()}


def _linear(m: LoomModule, node: dict, x: torch.Tensor, prefix: str = "") -> torch.Tensor:
    # y = x W^T + b: [..., in] -> [..., out]
    return F.linear(x, m.weight(node, f"{prefix}weight"), m.optional_weight(node, f"{prefix}bias"))


def _attention(m: LoomModule, node: dict, args: dict) -> torch.Tensor:
    attrs = node["attrs"]
    x = args["x"]  # [B, S, D]
    B, S, _ = x.shape
    H, KV, hd = attrs["heads"], attrs["kv_heads"], attrs["head_dim"]
    q = _linear(m, node, x, "q.").view(B, S, H, hd).transpose(1, 2)  # [B, H, S, hd]
    k = _linear(m, node, x, "k.").view(B, S, KV, hd).transpose(1, 2)  # [B, KV, S, hd]
    v = _linear(m, node, x, "v.").view(B, S, KV, hd).transpose(1, 2)  # [B, KV, S, hd]
    if KV != H:  # query head h reads kv head floor(h / (H / KV))
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
    scores = (q @ k.transpose(-2, -1)) * attrs["scale"]  # [B, H, S, S]
    if attrs["causal"]:
        future = torch.ones(S, S, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    if "padding" in args:  # [B, S], true at real keys
        scores = scores.masked_fill(~args["padding"].bool()[:, None, None, :], float("-inf"))
    context = scores.softmax(dim=-1) @ v  # [B, H, S, hd]
    context = context.transpose(1, 2).reshape(B, S, H * hd)  # [B, S, H·hd]
    return _linear(m, node, context, "o.")


def _mlp(m: LoomModule, node: dict, args: dict) -> torch.Tensor:
    x, act = args["x"], node["attrs"]["act"]
    up = _linear(m, node, x, "up.")  # [..., hidden]
    if act in ("swiglu", "geglu"):
        gate = _linear(m, node, x, "gate.")
        hidden = _activation("silu" if act == "swiglu" else "gelu")(gate) * up
    else:
        hidden = _activation(act)(up)
    return _linear(m, node, hidden, "down.")  # [..., out]


def _patch_embed(m: LoomModule, node: dict, args: dict) -> torch.Tensor:
    p = node["attrs"]["patch"]
    y = F.conv2d(args["image"], m.weight(node, "weight"), m.weight(node, "bias"), stride=p)
    return y.flatten(2).transpose(1, 2)  # [B, D, H/p, W/p] -> [B, P, D], patches row-major


def _cls_token(m: LoomModule, node: dict, args: dict) -> torch.Tensor:
    x = args["x"]  # [B, S, D]
    cls = m.weight(node, "weight").expand(x.shape[0], 1, x.shape[2])  # [B, 1, D]
    return torch.cat([cls, x], dim=1)  # [B, S + 1, D]


def _mean_pool(args: dict) -> torch.Tensor:
    x = args["x"]  # [B, S, D]
    if "padding" not in args:
        return x.mean(dim=1)
    real = args["padding"].to(x.dtype)[:, :, None]  # [B, S, 1], 1 at real positions
    return (x * real).sum(dim=1) / real.sum(dim=1).clamp(min=1)  # [B, D]


OPS = {
    "embed": lambda m, n, a: F.embedding(a["ids"], m.weight(n, "weight")),
    "learned_positions": lambda m, n, a: m.weight(n, "weight")[: a["x"].shape[1]],  # [S, D]
    "patch_embed": _patch_embed,
    "cls_token": _cls_token,
    "layernorm": lambda m, n, a: F.layer_norm(
        a["x"],
        a["x"].shape[-1:],
        m.weight(n, "weight"),
        m.optional_weight(n, "bias"),
        n["attrs"]["eps"],
    ),
    "attention": _attention,
    "mlp": _mlp,
    "linear": lambda m, n, a: _linear(m, n, a["x"]),
    "classifier": lambda m, n, a: _linear(m, n, a["x"]),
    "lm_head": lambda m, n, a: _linear(m, n, a["x"]),
    "cls_pool": lambda m, n, a: a["x"][:, 0],
    "mean_pool": lambda m, n, a: _mean_pool(a),
    "add": lambda m, n, a: a["a"] + a["b"],
    "sub": lambda m, n, a: a["a"] - a["b"],
    "mul": lambda m, n, a: a["a"] * a["b"],
    "scale": lambda m, n, a: a["x"] * n["attrs"]["factor"],
    "gelu": lambda m, n, a: _activation("gelu")(a["x"]),
    "gelu_tanh": lambda m, n, a: _activation("gelu_tanh")(a["x"]),
    "relu": lambda m, n, a: F.relu(a["x"]),
    "silu": lambda m, n, a: F.silu(a["x"]),
    "tanh": lambda m, n, a: torch.tanh(a["x"]),
}


def write_safetensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """Writes f32 safetensors: u64 LE header length, JSON header (dtype, shape, data_offsets and
    `__metadata__`, string values only), then the row-major little-endian data."""
    header: dict = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().cpu().numpy().astype("<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    encoded += b" " * ((8 - len(encoded) % 8) % 8)  # pad so the data starts 8-byte aligned
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Reads what write_safetensors wrote (F32 only)."""
    raw = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", f"{name}: {entry['dtype']}"
        start, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(raw[base + start : base + end]), dtype=torch.float32)
        tensors[name] = t.reshape(entry["shape"])
    return tensors, metadata


def count_parameters(module: LoomModule) -> int:
    return sum(math.prod(t.shape) for t in module.state().values())
