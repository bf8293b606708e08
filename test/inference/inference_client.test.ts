// The inference worker client: closing it settles every request still in flight.

import { strict as assert } from 'node:assert';
import { InferenceClient, InferenceClosedError } from '../../nodes/inference/inference_client.js';
import { float32Tensor } from '../../nodes/inference/decoders/tensor.js';
import { packagePath } from '../../nodes/package_paths.js';

const VLM = packagePath('config', 'policies', 'reference', 'vlm.onnx');
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
});
