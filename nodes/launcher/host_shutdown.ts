// Stopping a node host thread (node_host.ts): ask it to shut its node down (lifecycle shutdown in
// its own thread), wait up to a timeout, then terminate the thread whatever happened, so a stop
// always ends. Shared by the embedded launcher and the replay's threaded suite.

import type { Worker } from 'node:worker_threads';
import type { HostControl } from './node_host.js';

/**
 * How much longer a host still starting its node gets: model loads in flight finish before it
 * stops (node_host.ts), because terminating a thread inside onnxruntime's native model loading
 * aborts the whole process.
 */
export const START_SETTLE_MS = 30_000;

/**
 * Shuts the host down; resolves once its thread has exited, with whether it stopped in time.
 * `starting`: the host has not reported its node started (or failed) yet.
 */
export async function shutdownHost(worker: Worker, timeoutMs: number, starting = false): Promise<{ stoppedInTime: boolean }> {
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  const stopped = new Promise<void>((r) =>
    worker.on('message', (m: unknown) => {
      if ((m as HostControl).control === 'stopped') r();
    }),
  );
  worker.postMessage({ control: 'shutdown' } satisfies HostControl);
  const limitMs = starting ? timeoutMs + START_SETTLE_MS : timeoutMs;
  const stoppedInTime = await Promise.race([
    stopped.then(() => true),
    // A host whose node failed to start closes its port and ends by itself.
    exited.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), limitMs).unref()),
  ]);
  await worker.terminate();
  await exited;
  return { stoppedInTime };
}
