/**
 * An ONNX graph under construction, over the protobuf classes of `onnx-proto`: nodes in
 * execution order, float32 initializers (the weights and the constant tables), inputs and
 * outputs with symbolic dims (`batch`, `seq`) as dim_param. `encode` gives the model's bytes.
 */
import onnxProto from "onnx-proto";
import type { onnx as proto } from "onnx-proto";
/** A dim as the typed IR writes it: a static size, or a symbolic one such as "seq + 1". */
export type DimJson = number | string;

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

/** The opset the graph's ops are written against (LayerNormalization needs 17). */
export const OPSET = 17;
/** The ONNX IR version of the model file (IR 8 goes with opset 17). */
export const IR_VERSION = 8;

/** The ONNX element type number of bool, for Cast. */
export const BOOL = DataType.BOOL;

/** An attribute value: an int, a float, a list of ints, or a string. */
export type Attr = number | { float: number } | number[] | string;

export type ElemType = "float" | "int64" | "bool";

const ELEM: Record<ElemType, number> = {
  float: DataType.FLOAT,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

function attribute(name: string, value: Attr): proto.IAttributeProto {
  if (typeof value === "string")
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === "number") return { name, type: AttributeType.INT, i: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function valueInfo(name: string, elem: ElemType, dims: readonly DimJson[]): proto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[elem],
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

export class OnnxGraph {
  private readonly nodes: proto.INodeProto[] = [];
  private readonly initializers: proto.ITensorProto[] = [];
  private readonly inputs: proto.IValueInfoProto[] = [];
  private readonly outputs: proto.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private count = 0;

  constructor(private readonly name: string) {}

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    return `${hint}:${this.count++}`;
  }

  /** Adds a node; returns the name of its (first) output. */
  op(
    type: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
    hint = type,
  ): string {
    const output = this.fresh(hint);
    this.nodes.push({
      opType: type,
      name: output,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Adds a node with several outputs. */
  opMulti(
    type: string,
    inputs: readonly string[],
    outputs: number,
    attrs: Record<string, Attr> = {},
  ): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(type));
    this.nodes.push({
      opType: type,
      name: names[0]!,
      input: [...inputs],
      output: names,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** A float32 initializer named `name` (a weight, or a table). */
  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const data = Float32Array.from(values);
    this.initializers.push({
      name,
      dataType: DataType.FLOAT,
      dims: [...dims],
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  /** An int64 constant, shared between uses of the same values. */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64 ${dims.join("x")} ${values.join(",")}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh("const");
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dataType: DataType.INT64,
      dims: [...dims],
      rawData: new Uint8Array(data.buffer),
    });
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant, shared between uses. */
  scalar(value: number): string {
    const key = `f32 ${value}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.floats(this.fresh("const"), [], [value]);
    this.constants.set(key, name);
    return name;
  }

  input(name: string, elem: ElemType, dims: readonly DimJson[]): void {
    this.inputs.push(valueInfo(name, elem, dims));
  }

  /** Declares `value` a graph output named `name` (through an Identity when names differ). */
  output(name: string, value: string, dims: readonly DimJson[]): void {
    this.nodes.push({ opType: "Identity", name, input: [value], output: [name] });
    this.outputs.push(valueInfo(name, "float", dims));
  }

  /** The model file's bytes. */
  encode(producerVersion: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: "", version: OPSET }],
      producerName: "loom",
      producerVersion,
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
