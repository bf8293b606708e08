// The managed-node state machine of ROS 2 (design.ros2.org "Managed nodes"; ids as in
// lifecycle_msgs/msg/State and Transition). Pure: it says which transition is legal from
// which state and where each outcome leads; lifecycle_node.ts runs the callbacks.
import { lifecycle_msgs } from '../msgs/generated/interfaces.js';

const { State, Transition } = lifecycle_msgs.msg;

export type PrimaryState = 'unconfigured' | 'inactive' | 'active' | 'finalized';
export type TransitionState = 'configuring' | 'cleaningup' | 'shuttingdown' | 'activating' | 'deactivating' | 'errorprocessing';
export type TransitionName = 'configure' | 'cleanup' | 'activate' | 'deactivate' | 'shutdown';
/** What a lifecycle callback reports, as rclcpp's CallbackReturn. */
export type CallbackResult = 'success' | 'failure' | 'error';

export const STATE_IDS: Readonly<Record<PrimaryState | TransitionState, number>> = Object.freeze({
  unconfigured: State.PRIMARY_STATE_UNCONFIGURED,
  inactive: State.PRIMARY_STATE_INACTIVE,
  active: State.PRIMARY_STATE_ACTIVE,
  finalized: State.PRIMARY_STATE_FINALIZED,
  configuring: State.TRANSITION_STATE_CONFIGURING,
  cleaningup: State.TRANSITION_STATE_CLEANINGUP,
  shuttingdown: State.TRANSITION_STATE_SHUTTINGDOWN,
  activating: State.TRANSITION_STATE_ACTIVATING,
  deactivating: State.TRANSITION_STATE_DEACTIVATING,
  errorprocessing: State.TRANSITION_STATE_ERRORPROCESSING,
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
  { name: 'configure', id: Transition.TRANSITION_CONFIGURE, from: 'unconfigured', via: 'configuring', to: 'inactive' },
  { name: 'cleanup', id: Transition.TRANSITION_CLEANUP, from: 'inactive', via: 'cleaningup', to: 'unconfigured' },
  { name: 'activate', id: Transition.TRANSITION_ACTIVATE, from: 'inactive', via: 'activating', to: 'active' },
  { name: 'deactivate', id: Transition.TRANSITION_DEACTIVATE, from: 'active', via: 'deactivating', to: 'inactive' },
  { name: 'shutdown', id: Transition.TRANSITION_UNCONFIGURED_SHUTDOWN, from: 'unconfigured', via: 'shuttingdown', to: 'finalized' },
  { name: 'shutdown', id: Transition.TRANSITION_INACTIVE_SHUTDOWN, from: 'inactive', via: 'shuttingdown', to: 'finalized' },
  { name: 'shutdown', id: Transition.TRANSITION_ACTIVE_SHUTDOWN, from: 'active', via: 'shuttingdown', to: 'finalized' },
] satisfies TransitionSpec[]);

/** Ids of the result transitions (on_<transition>_success / _failure / _error). */
const RESULT_IDS: Readonly<Record<TransitionState, Readonly<Record<CallbackResult, number>>>> = Object.freeze({
  configuring: resultIds(
    Transition.TRANSITION_ON_CONFIGURE_SUCCESS,
    Transition.TRANSITION_ON_CONFIGURE_FAILURE,
    Transition.TRANSITION_ON_CONFIGURE_ERROR,
  ),
  cleaningup: resultIds(
    Transition.TRANSITION_ON_CLEANUP_SUCCESS,
    Transition.TRANSITION_ON_CLEANUP_FAILURE,
    Transition.TRANSITION_ON_CLEANUP_ERROR,
  ),
  activating: resultIds(
    Transition.TRANSITION_ON_ACTIVATE_SUCCESS,
    Transition.TRANSITION_ON_ACTIVATE_FAILURE,
    Transition.TRANSITION_ON_ACTIVATE_ERROR,
  ),
  deactivating: resultIds(
    Transition.TRANSITION_ON_DEACTIVATE_SUCCESS,
    Transition.TRANSITION_ON_DEACTIVATE_FAILURE,
    Transition.TRANSITION_ON_DEACTIVATE_ERROR,
  ),
  shuttingdown: resultIds(
    Transition.TRANSITION_ON_SHUTDOWN_SUCCESS,
    Transition.TRANSITION_ON_SHUTDOWN_FAILURE,
    Transition.TRANSITION_ON_SHUTDOWN_ERROR,
  ),
  errorprocessing: resultIds(
    Transition.TRANSITION_ON_ERROR_SUCCESS,
    Transition.TRANSITION_ON_ERROR_FAILURE,
    Transition.TRANSITION_ON_ERROR_ERROR,
  ),
});

function resultIds(success: number, failure: number, error: number): Readonly<Record<CallbackResult, number>> {
  return Object.freeze({ success, failure, error });
}

export function resultTransitionId(via: TransitionState, result: CallbackResult): number {
  return RESULT_IDS[via][result];
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
