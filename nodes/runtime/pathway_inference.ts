// The inference side of a pathway node, the same for the fast and the slow pathway: the
// inference worker from configure to cleanup, the tick timer and the status report from
// activate to deactivate, one inference in flight (a tick meanwhile is skipped, never queued),
// and results requested before a backward time jump dropped. docs/fast-slow-runtime.md.

import { errorText } from '../error_text.js';
import type { ExecutionProviderName } from '../inference/execution_provider.js';
import { InferenceClient, InferenceClosedError, type Timed } from '../inference/inference_client.js';
import type { RosNode } from '../ros/node.js';
import type { Timer, TimerOptions } from '../ros/timer.js';
import type { NodeStatus } from './node_status.js';
import { reportStatus, type StatusReport } from './status_reporter.js';

/** The worker configure starts. */
export interface InferenceWorkerSpec {
  /** Model name → .onnx file. */
  models: Record<string, string>;
  threads: number;
  provider: ExecutionProviderName;
  /** What does not fit in the loaded models' inputs and outputs (empty: they fit). */
  check(io: InferenceClient['io']): string[];
  /** Says whose fit failed, before the problems: `policy bundle <dir> does not fit its expert`. */
  misfit: string;
}

/** How a failed inference is reported: `<status>: <error>` on ~/status, `<log>: <error>` in the log. */
export interface InferenceFailureText {
  status: string;
  log: string;
  /** Throttle key of the log line. */
  key: string;
}

export class PathwayInference {
  private client: InferenceClient | undefined;
  private timer: Timer | undefined;
  private stopStatus: StatusReport | undefined;
  private inFlight = false;
  /** Backward time jumps so far: a result requested before one belongs to the old timeline. */
  private jumps = 0;
  private readonly stopJumps: () => void;
  /** Why the last configure failed; a pathway cannot run without its model (NodeInstance.refusal). */
  private failure: string | undefined;

  /** `onJump` drops what the node holds when time goes backwards (a replay looped). */
  constructor(
    private readonly node: RosNode,
    private readonly status: NodeStatus,
    private readonly failureText: InferenceFailureText,
    onJump: () => void,
  ) {
    this.stopJumps = node.clock.onJump(() => {
      onJump();
      this.jumps++;
    });
  }

  /**
   * configure: starts the worker. A model that does not load or fit fails the transition with
   * one line, logged and kept in `refusal`. Tracked: virtual time waits for it.
   */
  async open(spec: InferenceWorkerSpec): Promise<'success' | 'failure'> {
    const opening = this.start(spec);
    this.node.clock.track(opening);
    try {
      this.client = await opening;
      this.failure = undefined;
      return 'success';
    } catch (err) {
      this.failure = errorText(err);
      this.node.logger.error(`cannot configure: ${this.failure}`);
      return 'failure';
    }
  }

  private async start(spec: InferenceWorkerSpec): Promise<InferenceClient> {
    const client = await InferenceClient.start(spec.models, spec.threads, spec.provider);
    const problems = spec.check(client.io);
    if (problems.length === 0) return client;
    await client.close();
    throw new Error(`${spec.misfit}: ${problems.join('; ')}`);
  }

  /** Why the last configure failed (undefined after one that worked). */
  get refusal(): string | undefined {
    return this.failure;
  }

  /** activate: the status report, then `tick` every `periodSec`. */
  startTicks(periodSec: number, tick: () => void, waiting: string, options?: TimerOptions): void {
    this.stopStatus = reportStatus(this.node, this.status);
    this.status.set('degraded', waiting);
    this.timer = this.node.createTimer(periodSec, tick, options);
  }

  /** deactivate. */
  stopTicks(): void {
    this.stopTimers();
    this.status.set('holding', 'inactive');
  }

  /** Active: ticks run. */
  get ticking(): boolean {
    return this.timer !== undefined;
  }

  /** An inference is in flight: a tick now is skipped. */
  get busy(): boolean {
    return this.inFlight;
  }

  /**
   * Starts `infer` unless an inference is in flight (or no worker runs); its result reaches
   * `deliver` at `readyAt` in a deterministic run, and is dropped (counted) if time jumped back
   * meanwhile. A failure, of `infer` or of `deliver`, goes to the status and the log.
   */
  run<T>(readyAt: number, infer: (client: InferenceClient) => Promise<Timed<T>>, deliver: (result: Timed<T>) => void): void {
    const client = this.client;
    if (client === undefined || this.inFlight) return;
    const requestedIn = this.jumps;
    let work: Promise<Timed<T>>;
    try {
      work = infer(client);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.inFlight = true;
    this.node.clock
      .deliverAt(readyAt, work)
      .then((result) => {
        // Time jumped back while the model ran: the result would be stamped in the "future".
        if (requestedIn !== this.jumps) this.status.drop();
        else deliver(result);
      })
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.inFlight = false;
      });
  }

  private fail(err: unknown): void {
    if (err instanceof InferenceClosedError) return; // cleaning up or shutting down: nothing to report
    const { status, log, key } = this.failureText;
    this.status.set('error', `${status}: ${errorText(err)}`);
    this.node.logger.throttle('error', 5, `${log}: ${errorText(err)}`, key);
  }

  private stopTimers(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.stopStatus?.();
    this.stopStatus = undefined;
  }

  /** cleanup and shutdown: stops the ticks and the worker (idempotent); configure starts a new one. */
  async close(): Promise<void> {
    this.stopTimers();
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  /** Before the node is destroyed. */
  async dispose(): Promise<void> {
    this.stopJumps();
    await this.close();
  }
}
