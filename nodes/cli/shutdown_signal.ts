// Waits for the first SIGINT/SIGTERM (Ctrl-C, `npm start` forwarding a signal, ros2 launch
// stopping the process), or for a duration: every long-running command stops this way (run, sim
// run, launch, record, replay, bag convert, report). Listening starts when this is created — before
// a long start-up, so a Ctrl-C during start-up is not lost — and the duration counts from
// `startTimer`. The wait is a promise (`reason`) and an AbortSignal (`signal`) for operations that
// take one: an interrupted bag copy or recording stops cleanly and its bag stays readable.
// A second interrupt exits at once, as users expect; one within REPEAT_GRACE_MS of the first is
// the same interrupt delivered twice (a terminal's Ctrl-C reaches npm and its child, and npm
// forwards it to the child again), not a second one.

/** Signals within this long of the first one are the same interrupt [ms]. */
const REPEAT_GRACE_MS = 1000;

export class ShutdownSignal {
  readonly reason: Promise<string>;
  private resolveReason!: (why: string) => void;
  private readonly controller = new AbortController();
  private why: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private firstAt = 0;
  private readonly onInt = () => this.finish('SIGINT');
  private readonly onTerm = () => this.finish('SIGTERM');
  private readonly onRepeat = () => {
    if (performance.now() - this.firstAt < REPEAT_GRACE_MS) return;
    process.stderr.write('second interrupt: exiting now\n');
    process.exit(130);
  };

  constructor() {
    this.reason = new Promise((resolve) => (this.resolveReason = resolve));
    process.on('SIGINT', this.onInt);
    process.on('SIGTERM', this.onTerm);
  }

  /** Ends the wait `durationSec` from now (no-op when undefined). */
  startTimer(durationSec: number | undefined): void {
    // unref: the duration alone must not keep a finished command's process alive.
    if (durationSec !== undefined && !this.done)
      this.timer = setTimeout(() => this.finish(`duration ${durationSec} s elapsed`), durationSec * 1000).unref();
  }

  get signalled(): boolean {
    return this.done;
  }

  /** Aborted by a signal or the duration (not by `dispose`: work that ended was not interrupted). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** What ended the wait ('SIGINT', 'SIGTERM', 'duration … elapsed', 'done'), or undefined while waiting. */
  get endedBy(): string | undefined {
    return this.why;
  }

  /**
   * The wait is over for another reason (the work ended): clears the duration timer, which would
   * otherwise keep the process alive until it fires. A later signal exits at once.
   */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.finish('done');
  }

  private finish(why: string): void {
    if (this.done) return;
    this.done = true;
    this.why = why;
    this.firstAt = performance.now();
    process.off('SIGINT', this.onInt);
    process.off('SIGTERM', this.onTerm);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // While the suite stops, a repeated signal must not kill the process with Node's default
    // action (which would leave the summary unprinted): it is either the same one or a second.
    process.on('SIGINT', this.onRepeat);
    process.on('SIGTERM', this.onRepeat);
    this.resolveReason(why);
    if (why !== 'done') this.controller.abort();
  }
}
