// A managed (lifecycle) node built on the port, identical on both backends: the standard
// services (~/change_state, ~/get_state, ~/get_available_states, ~/get_available_transitions,
// ~/get_transition_graph) and ~/transition_event, so `ros2 lifecycle` works on a robot.
// We do not use rclnodejs's own LifecycleNode: an invalid transition request sent to it
// aborts the whole process (docs/platform-notes.md); here it is refused.

import type { QoSLike } from './qos.js';
import type { MessageTypeMap, MessageTypeName, Publisher, RosNode } from './node.js';
import {
  STATE_IDS,
  TRANSITIONS,
  availableTransitions,
  findTransition,
  outcomeState,
  resultTransitionId,
  type CallbackResult,
  type PrimaryState,
  type TransitionName,
  type TransitionSpec,
  type TransitionState,
} from './lifecycle_state_machine.js';
import { toNanoseconds } from './time.js';
import { errorTextWithStack } from '../error_text.js';

type MaybePromise<T> = T | Promise<T>;
/** Returning nothing means success. */
type CallbackOutcome = MaybePromise<CallbackResult | void>;

export interface LifecycleCallbacks {
  onConfigure?(): CallbackOutcome;
  onActivate?(): CallbackOutcome;
  onDeactivate?(): CallbackOutcome;
  onCleanup?(): CallbackOutcome;
  onShutdown?(): CallbackOutcome;
  /** Error processing: 'success' recovers to unconfigured, anything else finalizes. */
  onError?(): CallbackOutcome;
}

export interface TransitionOutcome {
  success: boolean;
  state: PrimaryState;
  message: string;
}

export interface LifecyclePublisher<T> extends Publisher<T> {
  /** Publishing is only possible while the node is active; otherwise messages are dropped. */
  readonly activated: boolean;
}

const CALLBACK_OF: Record<TransitionName, keyof LifecycleCallbacks> = {
  configure: 'onConfigure',
  activate: 'onActivate',
  deactivate: 'onDeactivate',
  cleanup: 'onCleanup',
  shutdown: 'onShutdown',
};

function stateMsg(state: PrimaryState | TransitionState): { id: number; label: string } {
  return { id: STATE_IDS[state], label: state };
}

class ManagedPublisher<T> implements LifecyclePublisher<T> {
  activated = false;
  private warned = false;
  constructor(
    private readonly inner: Publisher<T>,
    private readonly onDropped: (topic: string) => void,
    private readonly onDestroyed: () => void,
  ) {}
  get topic(): string {
    return this.inner.topic;
  }
  get type(): string {
    return this.inner.type;
  }
  get qos(): Publisher<T>['qos'] {
    return this.inner.qos;
  }
  publish(message: T): void {
    if (this.activated) {
      this.warned = false;
      this.inner.publish(message);
    } else if (!this.warned) {
      this.warned = true;
      this.onDropped(this.inner.topic);
    }
  }
  subscriptionCount(): number {
    return this.inner.subscriptionCount();
  }
  destroy(): void {
    this.inner.destroy();
    this.onDestroyed();
  }
}

export class LifecycleNode {
  private current: PrimaryState = 'unconfigured';
  private busy = false;
  private readonly managed = new Set<ManagedPublisher<unknown>>();
  private readonly listeners = new Set<(state: PrimaryState) => void>();
  private readonly events: Publisher<MessageTypeMap['lifecycle_msgs/msg/TransitionEvent']>;

  constructor(
    readonly node: RosNode,
    private readonly callbacks: LifecycleCallbacks,
  ) {
    this.events = node.createPublisher('lifecycle_msgs/msg/TransitionEvent', '~/transition_event', 'default');
    node.createService('lifecycle_msgs/srv/ChangeState', '~/change_state', async (request) => {
      const spec = findTransition(this.current, request.transition);
      if (spec === undefined) {
        node.logger.warn(
          `refused lifecycle transition ${JSON.stringify(request.transition)} in state '${this.current}': ` +
            `available: ${
              availableTransitions(this.current)
                .map((t) => t.name)
                .join(', ') || 'none'
            }`,
        );
        return { success: false };
      }
      return { success: (await this.trigger(spec.name)).success };
    });
    node.createService('lifecycle_msgs/srv/GetState', '~/get_state', () => ({ current_state: stateMsg(this.current) }));
    node.createService('lifecycle_msgs/srv/GetAvailableStates', '~/get_available_states', () => ({
      available_states: (Object.keys(STATE_IDS) as (PrimaryState | TransitionState)[]).map(stateMsg),
    }));
    const describe = (t: TransitionSpec) => ({
      transition: { id: t.id, label: t.name },
      start_state: stateMsg(t.from),
      goal_state: stateMsg(t.via),
    });
    node.createService('lifecycle_msgs/srv/GetAvailableTransitions', '~/get_available_transitions', () => ({
      available_transitions: availableTransitions(this.current).map(describe),
    }));
    node.createService('lifecycle_msgs/srv/GetAvailableTransitions', '~/get_transition_graph', () => ({
      available_transitions: TRANSITIONS.map(describe),
    }));
  }

  get state(): PrimaryState {
    return this.current;
  }

  get isActive(): boolean {
    return this.current === 'active';
  }

  /** Called after every completed transition with the new primary state. */
  onStateChange(listener: (state: PrimaryState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A publisher that drops messages (with one warning) unless the node is active. */
  createPublisher<K extends MessageTypeName>(type: K, topic: string, qos?: QoSLike): LifecyclePublisher<MessageTypeMap[K]> {
    const pub: ManagedPublisher<MessageTypeMap[K]> = new ManagedPublisher(
      this.node.createPublisher(type, topic, qos),
      (t) => this.node.logger.warn(`publisher on '${t}' is not activated (node is ${this.current}): message dropped`),
      () => this.managed.delete(pub),
    );
    pub.activated = this.current === 'active';
    this.managed.add(pub);
    return pub;
  }

  configure(): Promise<TransitionOutcome> {
    return this.trigger('configure');
  }
  activate(): Promise<TransitionOutcome> {
    return this.trigger('activate');
  }
  deactivate(): Promise<TransitionOutcome> {
    return this.trigger('deactivate');
  }
  cleanup(): Promise<TransitionOutcome> {
    return this.trigger('cleanup');
  }
  shutdown(): Promise<TransitionOutcome> {
    return this.trigger('shutdown');
  }

  /** Runs a transition; an illegal one (or one during another) is refused, never fatal. */
  async trigger(name: TransitionName): Promise<TransitionOutcome> {
    const spec = findTransition(this.current, { label: name });
    if (spec === undefined) {
      return { success: false, state: this.current, message: `transition '${name}' is not available in state '${this.current}'` };
    }
    if (this.busy) {
      return { success: false, state: this.current, message: `another transition is in progress` };
    }
    this.busy = true;
    try {
      return await this.run(spec);
    } finally {
      this.busy = false;
    }
  }

  private async run(spec: TransitionSpec): Promise<TransitionOutcome> {
    const start = this.current;
    this.publishEvent(spec.id, spec.name, start, spec.via);
    if (spec.name === 'activate') this.setManagedActive(true);
    if (spec.name === 'deactivate' || (spec.name === 'shutdown' && start === 'active')) this.setManagedActive(false);

    const result = await this.invoke(CALLBACK_OF[spec.name], spec.name);
    let next = outcomeState(spec, result);
    // rcl labels the result transitions transition_success / _failure / _error.
    this.publishEvent(resultTransitionId(spec.via, result), `transition_${result}`, spec.via, next);
    let message: string;
    if (next === 'errorprocessing') {
      const recovery = await this.invoke('onError', 'error processing');
      next = recovery === 'success' ? 'unconfigured' : 'finalized';
      this.publishEvent(resultTransitionId('errorprocessing', recovery), `transition_${recovery}`, 'errorprocessing', next);
      message = `${spec.name} raised an error; error processing ${recovery === 'success' ? 'recovered' : 'failed'}: now ${next}`;
    } else {
      message = result === 'success' ? `${spec.name}: ${start} → ${next}` : `${spec.name} failed; now ${next}`;
    }
    this.current = next;
    this.setManagedActive(next === 'active');
    // The callback's own exception is already logged as an error; a recovery is a warning.
    if (result === 'success') this.node.logger.info(message);
    else if (next === 'finalized' && result === 'error') this.node.logger.error(message);
    else this.node.logger.warn(message);
    for (const l of this.listeners) l(next);
    return { success: result === 'success', state: next, message };
  }

  private async invoke(key: keyof LifecycleCallbacks, what: string): Promise<CallbackResult> {
    if (this.callbacks[key] === undefined) return 'success';
    try {
      return (await this.callbacks[key]()) ?? 'success';
    } catch (err) {
      this.node.logger.error(`${what} callback threw: ${errorTextWithStack(err)}`);
      return 'error';
    }
  }

  private setManagedActive(active: boolean): void {
    for (const p of this.managed) p.activated = active;
  }

  private publishEvent(id: number, label: string, start: PrimaryState | TransitionState, goal: PrimaryState | TransitionState): void {
    this.events.publish({
      timestamp: toNanoseconds(this.node.clock.now()),
      transition: { id, label },
      start_state: stateMsg(start),
      goal_state: stateMsg(goal),
    });
  }
}
