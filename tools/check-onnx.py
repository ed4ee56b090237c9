#!/usr/bin/env python3
"""Checks ONNX files written by `loom export --format onnx` with the ONNX project's own checker.

    /usr/bin/python3 tools/check-onnx.py model.onnx [more.onnx ...]

Runs onnx.checker.check_model with full_check (type and shape inference over the whole graph),
prints each file's IR version, opset, inputs and outputs with their dims, and exits 1 if any
file fails. Needs the `onnx` Python package (Debian: python3-onnx).
"""
import sys

import onnx


def dims(value):
    shape = value.type.tensor_type.shape.dim
    return "[" + ", ".join(d.dim_param or str(d.dim_value) for d in shape) + "]"


def main(paths):
    failed = 0
    for path in paths:
        try:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
        except Exception as error:  # the checker's own exceptions, reported per file
            print(f"{path}: FAILED: {error}")
            failed += 1
            continue
        opset = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
        inputs = ", ".join(f"{i.name}{dims(i)}" for i in model.graph.input)
        outputs = ", ".join(f"{o.name}{dims(o)}" for o in model.graph.output)
        print(f"{path}: ok (IR {model.ir_version}, opset {opset}; {len(model.graph.node)} nodes)")
        print(f"  inputs {inputs}; outputs {outputs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
