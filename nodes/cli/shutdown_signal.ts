// Waits for the first SIGINT/SIGTERM (Ctrl-C, or ros2 launch stopping the process), or for a
// duration. Listening starts when this is created — before a long start-up, so a Ctrl-C
// during start-up is not lost — and the duration counts from `startTimer`. A second Ctrl-C
// exits at once, as users expect.

export class ShutdownSignal {
  readonly reason: Promise<string>;
  private resolveReason!: (why: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly onInt = () => this.finish('SIGINT');
  private readonly onTerm = () => this.finish('SIGTERM');

  constructor() {
    this.reason = new Promise((resolve) => (this.resolveReason = resolve));
    process.once('SIGINT', this.onInt);
    process.once('SIGTERM', this.onTerm);
  }

  /** Ends the wait `durationSec` from now (no-op when undefined). */
  startTimer(durationSec: number | undefined): void {
    // unref: the duration alone must not keep a finished command's process alive.
    if (durationSec !== undefined && !this.done) this.timer = setTimeout(() => this.finish(`duration ${durationSec} s elapsed`), durationSec * 1000).unref();
  }

  get signalled(): boolean {
    return this.done;
  }

  private finish(why: string): void {
    if (this.done) return;
    this.done = true;
    process.off('SIGINT', this.onInt);
    process.off('SIGTERM', this.onTerm);
    if (this.timer !== undefined) clearTimeout(this.timer);
    process.once('SIGINT', () => {
      process.stderr.write('second interrupt: exiting now\n');
      process.exit(130);
    });
    this.resolveReason(why);
  }
}
