// Worker-thread entry: owns the ONNX sessions of one node, so session.run() (which blocks
// its thread) never delays the node's timers or message handling.

import { parentPort, workerData } from 'node:worker_threads';
import { OnnxModel } from './onnx_model.js';
import { decodeOnModel } from './decode_on_model.js';
import type { InferenceWorkerData, WorkerReply, WorkerRequest } from './inference_protocol.js';
import { transferListOf } from './transfer.js';
import { errorText } from '../error_text.js';

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('inference_worker must run in a worker thread');
  const data = workerData as InferenceWorkerData;
  const reply = (m: WorkerReply) => port.postMessage(m, transferListOf(m));
  const models = new Map<string, OnnxModel>();
  try {
    for (const [name, file] of Object.entries(data.models))
      models.set(name, await OnnxModel.load(file, { intraOpThreads: data.intraOpThreads, executionProvider: data.executionProvider }));
  } catch (err) {
    reply({ kind: 'load_failed', error: errorText(err) });
    return;
  }
  reply({ kind: 'ready', io: Object.fromEntries([...models].map(([n, m]) => [n, { inputs: m.inputs, outputs: m.outputs }])) });

  // One request at a time: the caller never stacks work (it skips instead), and ORT runs
  // one inference per session anyway.
  let queue = Promise.resolve();
  port.on('message', (req: WorkerRequest) => {
    queue = queue.then(async () => {
      const start = performance.now();
      try {
        if (req.op === 'run') {
          const model = models.get(req.model);
          if (model === undefined) throw new Error(`no model '${req.model}' in this worker`);
          const outputs = await model.run(req.feeds, req.outputs);
          reply({ kind: 'result', id: req.id, outputs, computeSec: (performance.now() - start) / 1000 });
        } else {
          const model = models.get(req.request.model);
          if (model === undefined) throw new Error(`no model '${req.request.model}' in this worker`);
          const result = await decodeOnModel(model, req.request);
          reply({ kind: 'decoded', id: req.id, result, computeSec: (performance.now() - start) / 1000 });
        }
      } catch (err) {
        reply({ kind: 'failed', id: req.id, error: errorText(err) });
      }
    });
  });
}

void main();
