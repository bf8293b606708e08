import { strict as assert } from 'node:assert';
import { float32Of, toNamedTensor } from '../../nodes/inference/named_tensor.js';

describe('NamedTensor conversion', () => {
  it('round-trips a float32 tensor without copying', () => {
    const data = Float32Array.from([1.5, -2, 3.25, 0]);
    const msg = toNamedTensor('latent', { type: 'float32', dims: [1, 4], data });
    assert.equal(msg.dtype, 1);
    assert.deepEqual([...msg.shape], [1, 4]);
    assert.equal(msg.data.byteLength, 16);
    const back = float32Of(msg);
    assert.deepEqual(back.dims, [1, 4]);
    assert.deepEqual([...back.data], [1.5, -2, 3.25, 0]);
    assert.equal(back.data.buffer, data.buffer, 'aligned bytes are viewed, not copied');
  });

  it('copies misaligned bytes, and refuses a wrong dtype or size naming the tensor', () => {
    const bytes = new Uint8Array(17);
    bytes.set(new Uint8Array(Float32Array.from([7, 8, 9, 10]).buffer), 1);
    const view = bytes.subarray(1);
    assert.deepEqual([...float32Of({ name: 'x', dtype: 1, shape: Uint32Array.from([4]), data: view }).data], [7, 8, 9, 10]);
    assert.throws(
      () => float32Of({ name: 'ids', dtype: 5, shape: Uint32Array.from([2]), data: new Uint8Array(16) }),
      /tensor 'ids': expected float32/,
    );
    assert.throws(
      () => float32Of({ name: 'img', dtype: 1, shape: Uint32Array.from([3, 2]), data: new Uint8Array(20) }),
      /tensor 'img': shape \[3,2\] needs 24 bytes, got 20/,
    );
  });
});
