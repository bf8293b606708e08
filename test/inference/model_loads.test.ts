// Model loads tracked per thread, so a node host can let them finish before its thread is
// terminated (terminating a thread inside onnxruntime's native model loading aborts the process).
import { strict as assert } from 'node:assert';
import { Worker } from 'node:worker_threads';

// The tracker's state is per thread (module instance): each case runs in a fresh worker.
function inWorker(body: string): Promise<unknown> {
  const source = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(new URL('../../nodes/inference/model_loads.js', import.meta.url).href)}).then(async ({ trackModelLoad, settleModelLoads }) => {
      const log = [];
      ${body}
      parentPort.postMessage(log);
    });`;
  const worker = new Worker(source, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('inference/model_loads', () => {
  it('settleModelLoads waits for the loads in flight, then refuses new ones naming why', async () => {
    const log = await inWorker(`
      let finish;
      let settled = false;
      const load = trackModelLoad('a.onnx', () => new Promise((r) => (finish = r)));
      const settling = settleModelLoads('the node is shutting down').then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 0));
      log.push('settled while loading: ' + settled);
      finish('a');
      log.push('loaded ' + (await load));
      await settling;
      log.push('settled after: ' + settled);
      await trackModelLoad('b.onnx', async () => 'b').catch((err) => log.push(err.name + ': ' + err.message));
    `);
    assert.deepEqual(log, [
      'settled while loading: false',
      'loaded a',
      'settled after: true',
      'ModelLoadRefusedError: not loading b.onnx: the node is shutting down',
    ]);
  });

  it('a failed load counts as finished; with nothing in flight settling is immediate', async () => {
    const log = await inWorker(`
      await trackModelLoad('bad.onnx', async () => { throw new Error('Protobuf parsing failed'); }).catch((err) => log.push(err.message));
      await settleModelLoads('stop');
      log.push('settled');
    `);
    assert.deepEqual(log, ['Protobuf parsing failed', 'settled']);
  });
});
