// An ONNX graph under construction, for the benchmark's bench-built models (no Python): nodes,
// small constants and seeded random parameters, written to a temporary folder. Parameters are
// only described while the graph is built; their weights are generated and written one tensor at
// a time to the model's external data file (ONNX's format for large models: each initializer
// names its file, offset and length), so a model of hundreds of MB never sits in memory whole.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { mulberry32 } from '../nodes/random/seeded_random.js';

const { onnx } = onnxProto;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** Deterministic uniform weights in ±scale (mulberry32), so every run builds the same model. */
function weights(count: number, scale: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

interface ParameterSpec {
  name: string;
  dims: number[];
  scale: number;
  seed: number;
}

export type Attribute = number | number[];

export function valueInfo(name: string, elemType: number, dims: readonly number[]): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({ dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d })) }),
      }),
    }),
  });
}

export class OnnxGraph {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly constants: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly constantNames = new Map<string, string>();
  private readonly parameters: ParameterSpec[] = [];
  private seed = 1;
  private unique = 0;

  constructor(private readonly opset: number) {}

  /** Elements in the parameters (the model's weights; constants such as shapes are not counted). */
  get parameterCount(): number {
    return this.parameters.reduce((n, p) => n + p.dims.reduce((a, b) => a * b, 1), 0);
  }

  /** A seeded random parameter, uniform in ±1/√fan-in (the next seed each call). */
  param(name: string, dims: number[]): string {
    const fanIn = dims.length > 1 ? dims.slice(1).reduce((a, b) => a * b, 1) : dims[0];
    return this.paramScaled(name, dims, 1 / Math.sqrt(fanIn));
  }

  /** A seeded random parameter, uniform in ±scale. */
  paramScaled(name: string, dims: number[], scale: number): string {
    this.parameters.push({ name, dims, scale, seed: this.seed++ });
    return name;
  }

  /** A constant written with the graph, shared by value (shapes, indices, scalars). */
  constant(dims: number[], data: Float32Array | BigInt64Array): string {
    const key = `${data instanceof Float32Array ? 'f' : 'i'}${dims.join('x')}:${data.join(',')}`;
    const known = this.constantNames.get(key);
    if (known !== undefined) return known;
    const name = `const_${this.constants.length}`;
    this.constants.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: data instanceof Float32Array ? FLOAT : INT64,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      }),
    );
    this.constantNames.set(key, name);
    return name;
  }

  ints(values: number[]): string {
    return this.constant([values.length], BigInt64Array.from(values.map(BigInt)));
  }

  scalar(value: number): string {
    return this.constant([], Float32Array.of(value));
  }

  /** Appends a node; its output is `output` (made unique when it ends with '#'). */
  op(opType: string, inputs: string[], output: string, attrs: Record<string, Attribute> = {}): string {
    const out = output.endsWith('#') ? `${output}${this.unique++}` : output;
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [out],
        attribute: Object.entries(attrs).map(([name, v]) =>
          Array.isArray(v)
            ? onnx.AttributeProto.create({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS })
            : onnx.AttributeProto.create({ name, i: v, type: onnx.AttributeProto.AttributeType.INT }),
        ),
      }),
    );
    return out;
  }

  /**
   * Writes `vlm.onnx` (the graph) and `vlm.onnx.data` (the parameters) to a new temporary
   * folder and returns the model's path; remove the folder when done.
   */
  write(
    name: string,
    io: { inputs: InstanceType<typeof onnx.ValueInfoProto>[]; outputs: InstanceType<typeof onnx.ValueInfoProto>[] },
  ): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vla_bench_vlm_')), 'vlm.onnx');
    const dataFile = `${path.basename(file)}.data`;
    const external: InstanceType<typeof onnx.TensorProto>[] = [];
    const fd = fs.openSync(path.join(path.dirname(file), dataFile), 'w');
    try {
      let offset = 0;
      for (const p of this.parameters) {
        const data = weights(
          p.dims.reduce((a, b) => a * b, 1),
          p.scale,
          p.seed,
        );
        fs.writeSync(fd, data);
        external.push(
          onnx.TensorProto.create({
            name: p.name,
            dims: p.dims,
            dataType: FLOAT,
            dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
            externalData: Object.entries({ location: dataFile, offset: `${offset}`, length: `${data.byteLength}` }).map(([key, value]) =>
              onnx.StringStringEntryProto.create({ key, value }),
            ),
          }),
        );
        offset += data.byteLength;
      }
    } finally {
      fs.closeSync(fd);
    }
    const graph = onnx.GraphProto.create({
      name,
      node: this.nodes,
      initializer: [...this.constants, ...external],
      input: io.inputs,
      output: io.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'vla-ros bench',
      opsetImport: [{ domain: '', version: this.opset }],
      graph,
    });
    fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
    return file;
  }
}
