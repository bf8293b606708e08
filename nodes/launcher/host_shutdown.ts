// Stopping a node host thread (node_host.ts): ask it to shut its node down (lifecycle shutdown in
// its own thread), wait up to a timeout, then terminate the thread whatever happened, so a stop
// always ends. Shared by the embedded launcher and the replay's threaded suite.

import type { Worker } from 'node:worker_threads';
import type { HostControl } from './node_host.js';

/** Shuts the host down; resolves once its thread has exited, with whether it stopped in time. */
export async function shutdownHost(worker: Worker, timeoutMs: number): Promise<{ stoppedInTime: boolean }> {
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  const stopped = new Promise<void>((r) =>
    worker.on('message', (m: unknown) => {
      if ((m as HostControl).control === 'stopped') r();
    }),
  );
  worker.postMessage({ control: 'shutdown' } satisfies HostControl);
  const stoppedInTime = await Promise.race([stopped.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
  await worker.terminate();
  await exited;
  return { stoppedInTime };
}
