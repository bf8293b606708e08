// A node that cannot act says why, so an arm never idles silently: while the same reason keeps the
// node from acting for `graceSec` of node time (start-up waits are normal and short), it is logged
// once at WARN; it is logged again only after the node has acted, or for another kind of reason.
// The node's status carries the reason meanwhile (the caller sets it every tick).

import type { Logger } from '../ros/logger.js';

/** Node-time seconds a reason must persist before it is worth a warning. */
export const IDLE_WARNING_GRACE_SEC = 2;

export class IdleWarning {
  private kind: string | undefined;
  private since = 0;
  private warned = false;

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly graceSec = IDLE_WARNING_GRACE_SEC,
  ) {}

  /**
   * The node cannot act at `now` because of `detail`; `kind` groups details that differ only in
   * numbers (an age that grows every tick).
   */
  idle(now: number, kind: string, detail: string): void {
    if (kind !== this.kind) {
      this.kind = kind;
      this.since = now;
      this.warned = false;
    }
    if (!this.warned && now - this.since >= this.graceSec) {
      this.warned = true;
      this.logger.warn(`cannot act: ${detail}`);
    }
  }

  /** The node acted: the next idle period is reported afresh. */
  acting(): void {
    this.kind = undefined;
    this.warned = false;
  }
}
