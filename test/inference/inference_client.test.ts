// The inference worker client: closing it settles every request still in flight.

import { strict as assert } from 'node:assert';
import { INFERENCE_YOUNG_GENERATION_MB, InferenceClient, InferenceClosedError } from '../../nodes/inference/inference_client.js';
import { float32Tensor } from '../../nodes/inference/decoders/tensor.js';
import { packagePath } from '../../nodes/package_paths.js';
import fs from 'node:fs';
import path from 'node:path';
import { FLOAT, OnnxGraph, valueInfo } from '../../bench/onnx_graph.js';

const VLM = packagePath('config', 'policies', 'reference', 'vlm.onnx');
/** A model whose one run takes long (40 chained 768² MatMuls, one shared weight): a real-size VLM's seconds in a 2 MB file. */
function slowModel(): string {
  const g = new OnnxGraph(17);
  const w = g.param('w', [768, 768]);
  let x = 'x';
  for (let i = 0; i < 40; i++) x = g.op('Tanh', [g.op('MatMul', [x, w], 'mm#')], i === 39 ? 'y' : 'h#');
  return g.write('slow', { inputs: [valueInfo('x', FLOAT, [768, 768])], outputs: [valueInfo('y', FLOAT, [768, 768])] });
}

const closed = (err: unknown) => err instanceof InferenceClosedError && /inference client closed/.test(err.message);

describe('InferenceClient', function () {
  this.timeout(20_000);

  it('close() lets a request in flight finish (the worker answers it), then refuses new ones', async () => {
    const client = await InferenceClient.start({ vlm: VLM });
    // The worker's own answer (a missing feed), not a closed-client error: it was allowed to finish.
    const inFlight = assert.rejects(
      client.run('vlm', { x: float32Tensor([1], [0]) }),
      (err) => err instanceof Error && !closed(err) && /no feed for input/.test(err.message),
    );
    await client.close();
    await inFlight;
    await assert.rejects(client.run('vlm', {}), closed);
  });

  it('close() rejects what is still pending after the drain time, instead of leaving it pending forever', async () => {
    const client = await InferenceClient.start({ vlm: VLM });
    // A distinct error class: nodes stopping with a request in flight need not report it as a failure.
    const inFlight = assert.rejects(client.run('vlm', { x: float32Tensor([1], [0]) }), closed);
    await client.close(0);
    await inFlight;
  });

  it('close() during a long run waits for the worker to leave onnxruntime before terminating it (terminating inside a run aborts the process)', async () => {
    const model = slowModel();
    try {
      const client = await InferenceClient.start({ slow: model });
      const inFlight = assert.rejects(
        client.run('slow', { x: float32Tensor([768, 768], new Array<number>(768 * 768).fill(0.01)) }),
        closed,
      );
      await new Promise((r) => setTimeout(r, 150)); // the worker is inside session.run now
      await client.close(0);
      await inFlight;
      await assert.rejects(client.run('slow', {}), closed);
    } finally {
      fs.rmSync(path.dirname(model), { recursive: true, force: true });
    }
  });

  it("runs its worker with a capped V8 young generation (V8's default grows it to tens of MB per thread)", async () => {
    const client = await InferenceClient.start({ vlm: VLM });
    try {
      assert.equal(client.resourceLimits?.maxYoungGenerationSizeMb, INFERENCE_YOUNG_GENERATION_MB);
    } finally {
      await client.close();
    }
  });
});
