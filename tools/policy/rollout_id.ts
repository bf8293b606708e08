// The episode ids of simulator rollouts (sim_policy_rollouts.ts) and what the SAFE tools read back
// from them (safe_rollouts.ts export / faults): `<prefix>-<index>-nominal`, or with an injected
// failure `<prefix>-<index>-t<onset>-<kind>`, the onset being the first feature step at or after
// the failure's start. The id is the only per-episode field a rollout bag carries besides the
// success label, so the fault's kind and onset travel in it.

export interface RolloutFault {
  /** The injected failure kind; '' for a nominal episode or an id of another form. */
  kind: string;
  /** First feature step of the fault; -1 when the id does not say. */
  onset: number;
}

/** The id of episode `index`: nominal, or with `fault` injected from feature step `onset`. */
export function rolloutId(prefix: string, index: number, fault?: { kind: string; onset: number }): string {
  const head = `${prefix}-${String(index).padStart(4, '0')}`;
  return fault === undefined ? `${head}-nominal` : `${head}-t${fault.onset}-${fault.kind}`;
}

/** The fault an id names (ids without an onset, from older rollouts, give onset -1). */
export function rolloutFault(id: string): RolloutFault {
  const m = /-(?:t(\d+)-)?([a-z_]+)$/.exec(id);
  if (m === null || m[2] === 'nominal') return { kind: '', onset: -1 };
  return { kind: m[2], onset: m[1] === undefined ? -1 : Number(m[1]) };
}

/** The feature step at or after `start` [s] in an episode of `steps` features over `duration` [s]. */
export function onsetStep(start: number, duration: number, steps: number): number {
  return Math.min(steps, Math.max(0, Math.ceil((start / duration) * steps)));
}
