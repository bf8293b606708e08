// The inference worker client: closing it settles every request still in flight.

import { strict as assert } from 'node:assert';
import { InferenceClient } from '../../nodes/inference/inference_client.js';
import { float32Tensor } from '../../nodes/fast_pathway/decoders/tensor.js';
import { packagePath } from '../../nodes/package_paths.js';

describe('InferenceClient', function () {
  this.timeout(20_000);

  it('close() rejects requests in flight instead of leaving them pending forever', async () => {
    const client = await InferenceClient.start({ vlm: packagePath('config', 'policies', 'reference', 'vlm.onnx') });
    // Any request: closing happens before the worker can answer it.
    const inFlight = assert.rejects(client.run('vlm', { x: float32Tensor([1], [0]) }), /inference client closed/);
    await client.close();
    await inFlight;
    await assert.rejects(client.run('vlm', {}), /inference client closed/);
  });
});
