// The managed-node state machine of ROS 2 (design.ros2.org "Managed nodes"; ids as in
// lifecycle_msgs/msg/State and Transition). Pure: it says which transition is legal from
// which state and where each outcome leads; lifecycle_node.ts runs the callbacks.

export type PrimaryState = 'unconfigured' | 'inactive' | 'active' | 'finalized';
export type TransitionState = 'configuring' | 'cleaningup' | 'shuttingdown' | 'activating' | 'deactivating' | 'errorprocessing';
export type TransitionName = 'configure' | 'cleanup' | 'activate' | 'deactivate' | 'shutdown';
/** What a lifecycle callback reports, as rclcpp's CallbackReturn. */
export type CallbackResult = 'success' | 'failure' | 'error';

export const STATE_IDS: Readonly<Record<PrimaryState | TransitionState, number>> = Object.freeze({
  unconfigured: 1,
  inactive: 2,
  active: 3,
  finalized: 4,
  configuring: 10,
  cleaningup: 11,
  shuttingdown: 12,
  activating: 13,
  deactivating: 14,
  errorprocessing: 15,
});

export interface TransitionSpec {
  name: TransitionName;
  /** lifecycle_msgs/msg/Transition id. */
  id: number;
  from: PrimaryState;
  via: TransitionState;
  /** Where 'success' leads; 'failure' returns to `from`; 'error' goes to errorprocessing. */
  to: PrimaryState;
}

export const TRANSITIONS: readonly TransitionSpec[] = Object.freeze([
  { name: 'configure', id: 1, from: 'unconfigured', via: 'configuring', to: 'inactive' },
  { name: 'cleanup', id: 2, from: 'inactive', via: 'cleaningup', to: 'unconfigured' },
  { name: 'activate', id: 3, from: 'inactive', via: 'activating', to: 'active' },
  { name: 'deactivate', id: 4, from: 'active', via: 'deactivating', to: 'inactive' },
  { name: 'shutdown', id: 5, from: 'unconfigured', via: 'shuttingdown', to: 'finalized' },
  { name: 'shutdown', id: 6, from: 'inactive', via: 'shuttingdown', to: 'finalized' },
  { name: 'shutdown', id: 7, from: 'active', via: 'shuttingdown', to: 'finalized' },
] satisfies TransitionSpec[]);

/** Ids of the result transitions (on_configure_success = 10, ..._failure = 11, ..._error = 12, ...). */
const RESULT_BASE: Readonly<Record<TransitionState, number>> = Object.freeze({
  configuring: 10,
  cleaningup: 20,
  activating: 30,
  deactivating: 40,
  shuttingdown: 50,
  errorprocessing: 60,
});

export function resultTransitionId(via: TransitionState, result: CallbackResult): number {
  return RESULT_BASE[via] + (result === 'success' ? 0 : result === 'failure' ? 1 : 2);
}

export function availableTransitions(state: PrimaryState): TransitionSpec[] {
  return TRANSITIONS.filter((t) => t.from === state);
}

/** Finds the transition a request names, by id or (when id is 0) by label, from `state`. */
export function findTransition(state: PrimaryState, request: { id?: number; label?: string }): TransitionSpec | undefined {
  const byId = request.id !== undefined && request.id !== 0;
  return TRANSITIONS.find((t) => t.from === state && (byId ? t.id === request.id : t.name === (request.label ?? '').toLowerCase()));
}

/** The state a transition's callback outcome leads to (before error processing). */
export function outcomeState(spec: TransitionSpec, result: CallbackResult): PrimaryState | 'errorprocessing' {
  if (result === 'success') return spec.to;
  // rcl_lifecycle's default state machine: a failed shutdown still finalizes.
  if (result === 'failure') return spec.name === 'shutdown' ? 'finalized' : spec.from;
  return 'errorprocessing';
}
