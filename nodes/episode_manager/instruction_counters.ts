// The episode manager's counts of refused instructions, kept in its status (~/status,
// /diagnostics) under the names docs/input-validation.md lists.

import type { NodeStatus } from '../runtime/node_status.js';
import type { InstructionRejection } from './instruction_text.js';

export type InstructionCounter = 'instructions_empty' | 'instructions_too_long' | 'instructions_before_active';

const REJECTION_COUNTER: Record<InstructionRejection, InstructionCounter> = {
  empty: 'instructions_empty',
  too_long: 'instructions_too_long',
};

export class InstructionCounters {
  private readonly counts: Record<InstructionCounter, number> = {
    instructions_empty: 0,
    instructions_too_long: 0,
    instructions_before_active: 0,
  };

  /** Every counter is in `status` from the start, at 0. */
  constructor(private readonly status: Pick<NodeStatus, 'setValue'>) {
    for (const [key, value] of Object.entries(this.counts)) status.setValue(key, value);
  }

  count(key: InstructionCounter): void {
    this.counts[key]++;
    this.status.setValue(key, this.counts[key]);
  }

  /** An instruction refused for `reason` (checkInstruction). */
  rejected(reason: InstructionRejection): void {
    this.count(REJECTION_COUNTER[reason]);
  }
}
