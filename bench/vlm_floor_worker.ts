// The floors of bench/vlm_real_size.ts, each on a worker thread that does nothing else:
//  - 'vlm': the model run back to back with bare OnnxModel.run (onnxruntime session.run with the
//    session options the slow pathway's inference worker uses); posts each run's time [ms];
//  - 'timer': a precise PeriodicTimer on a WallTimeBase at the chunk rate (the timer the fast
//    pathway ticks on, without the node, the hop to the inference worker or the expert); posts
//    each tick's time [s].
// Both stop when the parent posts 'stop'.

import { parentPort, workerData } from 'node:worker_threads';
import { OnnxModel } from '../nodes/inference/onnx_model.js';
import type { TensorData } from '../nodes/inference/tensor.js';
import { PeriodicTimer } from '../nodes/ros/timer.js';
import { WallTimeBase, wallNow } from '../nodes/ros/time_base.js';

export type FloorJob = { role: 'vlm'; model: string; threads: number; cameras: string[] } | { role: 'timer'; rateHz: number };

/** Inputs of the reference VLM's shape: a smooth image per camera and a 6-token instruction. */
function vlmFeeds(cameras: readonly string[]): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  cameras.forEach((c, k) => {
    const data = new Float32Array(3 * 224 * 224);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001 + k);
    feeds[`image_${c}`] = { type: 'float32', dims: [1, 3, 224, 224], data };
  });
  const ids = [12, 40, 7, 93, 5, 61, ...Array<number>(10).fill(0)];
  feeds.token_ids = { type: 'int64', dims: [1, 16], data: BigInt64Array.from(ids.map(BigInt)) };
  feeds.attention_mask = { type: 'int64', dims: [1, 16], data: BigInt64Array.from(ids.map((id) => BigInt(id > 0 ? 1 : 0))) };
  return feeds;
}

const port = parentPort;
const job = workerData as FloorJob;
let stopped = false;
port?.on('message', (m) => {
  if (m === 'stop') stopped = true;
});

if (port !== null && job.role === 'vlm') {
  const model = await OnnxModel.load(job.model, { intraOpThreads: job.threads });
  const feeds = vlmFeeds(job.cameras);
  port.postMessage('ready');
  while (!stopped) {
    const start = performance.now();
    await model.run(feeds);
    port.postMessage(performance.now() - start);
  }
  await model.release();
  port.close();
} else if (port !== null && job.role === 'timer') {
  const timer = new PeriodicTimer(new WallTimeBase(), 1 / job.rateHz, () => {
    if (stopped) {
      timer.cancel();
      port.close();
    } else port.postMessage(wallNow());
  });
}
