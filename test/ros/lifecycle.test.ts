// Managed nodes: the pure state machine (design.ros2.org "Managed nodes", lifecycle_msgs ids),
// and LifecycleNode on an embedded node in virtual time: callback order and outcomes, error
// processing, managed publishers, ~/transition_event and the lifecycle services.
import { strict as assert } from 'node:assert';
import type { lifecycle_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import { LifecycleNode, type LifecycleCallbacks, type TransitionOutcome } from '../../nodes/ros/lifecycle_node.js';
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
  type TransitionState,
} from '../../nodes/ros/lifecycle_state_machine.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { configOf } from './contract/backends.js';

const PRIMARY: PrimaryState[] = ['unconfigured', 'inactive', 'active', 'finalized'];
const NAMES: TransitionName[] = ['configure', 'cleanup', 'activate', 'deactivate', 'shutdown'];

describe('lifecycle state machine', () => {
  it('uses the state ids of lifecycle_msgs/msg/State', () => {
    assert.deepEqual(STATE_IDS, {
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
  });

  it('has the transitions of the default state machine, with lifecycle_msgs/msg/Transition ids', () => {
    assert.deepEqual(
      TRANSITIONS.map((t) => `${t.id} ${t.name}: ${t.from} -(${t.via})-> ${t.to}`),
      [
        '1 configure: unconfigured -(configuring)-> inactive',
        '2 cleanup: inactive -(cleaningup)-> unconfigured',
        '3 activate: inactive -(activating)-> active',
        '4 deactivate: active -(deactivating)-> inactive',
        '5 shutdown: unconfigured -(shuttingdown)-> finalized',
        '6 shutdown: inactive -(shuttingdown)-> finalized',
        '7 shutdown: active -(shuttingdown)-> finalized',
      ],
    );
  });

  it('offers exactly the legal transitions from every primary state', () => {
    assert.deepEqual(Object.fromEntries(PRIMARY.map((s) => [s, availableTransitions(s).map((t) => `${t.name}#${t.id}`)])), {
      unconfigured: ['configure#1', 'shutdown#5'],
      inactive: ['cleanup#2', 'activate#3', 'shutdown#6'],
      active: ['deactivate#4', 'shutdown#7'],
      finalized: [],
    });
  });

  it('finds a transition by label only when it is legal from the state', () => {
    const legal: string[] = [];
    for (const state of PRIMARY) {
      for (const name of NAMES) {
        const t = findTransition(state, { label: name });
        if (t !== undefined) {
          assert.equal(t.from, state);
          assert.equal(t.name, name);
          legal.push(`${state}.${name}`);
        }
      }
    }
    assert.deepEqual(legal, [
      'unconfigured.configure',
      'unconfigured.shutdown',
      'inactive.cleanup',
      'inactive.activate',
      'inactive.shutdown',
      'active.deactivate',
      'active.shutdown',
    ]);
  });

  it('finds a transition by id (id wins over label), by label when id is 0, case-insensitively', () => {
    assert.equal(findTransition('unconfigured', { id: 1 })?.name, 'configure');
    assert.equal(findTransition('unconfigured', { id: 1, label: 'activate' })?.name, 'configure');
    assert.equal(findTransition('unconfigured', { id: 3 }), undefined, 'activate is not legal from unconfigured');
    assert.equal(findTransition('inactive', { id: 5 }), undefined, 'shutdown from unconfigured is id 5, not 6');
    assert.equal(findTransition('inactive', { id: 6 })?.name, 'shutdown');
    assert.equal(findTransition('inactive', { id: 0, label: 'Activate' })?.id, 3);
    assert.equal(findTransition('active', { id: 0, label: 'SHUTDOWN' })?.id, 7);
    assert.equal(findTransition('active', { id: 0, label: 'explode' }), undefined);
    assert.equal(findTransition('active', {}), undefined);
    assert.equal(findTransition('finalized', { id: 0, label: 'configure' }), undefined);
  });

  it('maps callback outcomes to states: success → goal, failure → back (failed shutdown finalizes), error → errorprocessing', () => {
    const table = TRANSITIONS.map((t) =>
      [t.id, ...(['success', 'failure', 'error'] as CallbackResult[]).map((r) => outcomeState(t, r))].join(' '),
    );
    assert.deepEqual(table, [
      '1 inactive unconfigured errorprocessing',
      '2 unconfigured inactive errorprocessing',
      '3 active inactive errorprocessing',
      '4 inactive active errorprocessing',
      '5 finalized finalized errorprocessing',
      '6 finalized finalized errorprocessing',
      '7 finalized finalized errorprocessing',
    ]);
  });

  it('numbers result transitions as lifecycle_msgs does (on_configure_success = 10, ...)', () => {
    const vias: TransitionState[] = ['configuring', 'cleaningup', 'activating', 'deactivating', 'shuttingdown', 'errorprocessing'];
    assert.deepEqual(
      vias.map((v) => (['success', 'failure', 'error'] as CallbackResult[]).map((r) => resultTransitionId(v, r))),
      [
        [10, 11, 12],
        [20, 21, 22],
        [30, 31, 32],
        [40, 41, 42],
        [50, 51, 52],
        [60, 61, 62],
      ],
    );
  });
});

type TransitionEvent = lifecycle_msgs.msg.TransitionEvent;

/** `transition-id: start-id -> goal-id` (labels of result transitions are not asserted). */
const brief = (e: TransitionEvent) => `${e.transition.id}: ${e.start_state.id}->${e.goal_state.id}`;

async function setup(callbacks: LifecycleCallbacks = {}) {
  const time = new VirtualTimeBase(1000);
  const logs: LogRecord[] = [];
  const backend = new EmbeddedBackend({ time, logSink: (r) => logs.push(r) });
  const node = await backend.createNode(configOf({ name: 'managed' }));
  const observer = await backend.createNode(configOf({ name: 'observer' }));
  const events: TransitionEvent[] = [];
  observer.createSubscription('lifecycle_msgs/msg/TransitionEvent', '/managed/transition_event', 100, (m) => events.push(m));
  const lc = new LifecycleNode(node, callbacks);
  const states: PrimaryState[] = [];
  lc.onStateChange((s) => states.push(s));
  const logLines = (level: LogRecord['level']) => logs.filter((r) => r.level === level && r.name === 'managed').map((r) => r.message);
  return { time, logs, logLines, backend, node, observer, events, lc, states };
}

describe('LifecycleNode', () => {
  it('runs the callbacks in transition order and ends in the goal states', async () => {
    const calls: string[] = [];
    const record = (name: string) => () => {
      calls.push(name);
    };
    const { lc, states, time, events, backend } = await setup({
      onConfigure: record('configure'),
      onActivate: record('activate'),
      onDeactivate: record('deactivate'),
      onCleanup: record('cleanup'),
      onShutdown: record('shutdown'),
      onError: record('error'),
    });
    assert.equal(lc.state, 'unconfigured');
    const outcomes: TransitionOutcome[] = [];
    outcomes.push(await lc.configure());
    outcomes.push(await lc.activate());
    assert.equal(lc.isActive, true);
    outcomes.push(await lc.deactivate());
    outcomes.push(await lc.cleanup());
    outcomes.push(await lc.configure());
    outcomes.push(await lc.activate());
    outcomes.push(await lc.shutdown());
    assert.deepEqual(calls, ['configure', 'activate', 'deactivate', 'cleanup', 'configure', 'activate', 'shutdown']);
    assert.deepEqual(
      outcomes.map((o) => [o.success, o.state]),
      [
        [true, 'inactive'],
        [true, 'active'],
        [true, 'inactive'],
        [true, 'unconfigured'],
        [true, 'inactive'],
        [true, 'active'],
        [true, 'finalized'],
      ],
    );
    assert.equal(outcomes[0].message, 'configure: unconfigured → inactive');
    assert.deepEqual(states, ['inactive', 'active', 'inactive', 'unconfigured', 'inactive', 'active', 'finalized']);
    assert.equal(lc.state, 'finalized');
    // Nothing is legal from finalized.
    for (const name of NAMES) {
      const o = await lc.trigger(name);
      assert.equal(o.success, false);
      assert.equal(o.state, 'finalized');
    }
    assert.equal(calls.length, 7);
    await time.flush();
    assert.deepEqual(events.map(brief), [
      '1: 1->10',
      '10: 10->2',
      '3: 2->13',
      '30: 13->3',
      '4: 3->14',
      '40: 14->2',
      '2: 2->11',
      '20: 11->1',
      '1: 1->10',
      '10: 10->2',
      '3: 2->13',
      '30: 13->3',
      '7: 3->12',
      '50: 12->4',
    ]);
    assert.deepEqual(
      events.filter((_, i) => i % 2 === 0).map((e) => e.transition.label),
      ['configure', 'activate', 'deactivate', 'cleanup', 'configure', 'activate', 'shutdown'],
    );
    assert.deepEqual(events[0].start_state, { id: 1, label: 'unconfigured' });
    assert.deepEqual(events[0].goal_state, { id: 10, label: 'configuring' });
    await backend.shutdown();
  });

  it('refuses an illegal transition without running a callback or publishing an event', async () => {
    let called = 0;
    const { lc, time, events } = await setup({ onActivate: () => void called++ });
    const o = await lc.activate();
    assert.deepEqual(o, {
      success: false,
      state: 'unconfigured',
      message: "transition 'activate' is not available in state 'unconfigured'",
    });
    assert.equal(called, 0);
    await time.flush();
    assert.equal(events.length, 0);
  });

  it('keeps the old state when a callback returns failure (sync or async)', async () => {
    let failActivate = true;
    const { lc, time, events, logLines } = await setup({
      onConfigure: () => 'failure',
      onActivate: () => Promise.resolve<CallbackResult>(failActivate ? 'failure' : 'success'),
    });
    const o1 = await lc.configure();
    assert.deepEqual([o1.success, o1.state, lc.state], [false, 'unconfigured', 'unconfigured']);
    assert.equal(o1.message, 'configure failed; now unconfigured');
    await time.flush();
    assert.deepEqual(events.map(brief), ['1: 1->10', '11: 10->1']);
    assert.ok(logLines('warn').includes('configure failed; now unconfigured'));

    // Now let configure pass and activation fail.
    const lc2 = await setup({ onActivate: () => Promise.resolve<CallbackResult>(failActivate ? 'failure' : 'success') });
    assert.equal((await lc2.lc.configure()).success, true);
    const o2 = await lc2.lc.activate();
    assert.deepEqual([o2.success, o2.state], [false, 'inactive']);
    failActivate = false;
    const o3 = await lc2.lc.activate();
    assert.deepEqual([o3.success, o3.state], [true, 'active']);
    await lc2.time.flush();
    assert.deepEqual(lc2.events.map(brief), ['1: 1->10', '10: 10->2', '3: 2->13', '31: 13->2', '3: 2->13', '30: 13->3']);
    assert.equal(lc.state, 'unconfigured');
  });

  it('finalizes when the shutdown callback fails', async () => {
    const { lc, time, events } = await setup({ onShutdown: () => 'failure' });
    await lc.configure();
    const o = await lc.shutdown();
    assert.deepEqual([o.success, o.state, lc.state], [false, 'finalized', 'finalized']);
    await time.flush();
    assert.deepEqual(events.map(brief).slice(2), ['6: 2->12', '51: 12->4']);
  });

  it('goes through onError when a callback throws: success recovers to unconfigured', async () => {
    const calls: string[] = [];
    const { lc, time, events, logLines } = await setup({
      onConfigure: () => {
        calls.push('configure');
        throw new Error('camera not found');
      },
      onError: () => {
        calls.push('error');
        return 'success';
      },
    });
    const o = await lc.configure();
    assert.deepEqual(calls, ['configure', 'error']);
    assert.deepEqual([o.success, o.state, lc.state], [false, 'unconfigured', 'unconfigured']);
    await time.flush();
    assert.deepEqual(events.map(brief), ['1: 1->10', '12: 10->15', '60: 15->1']);
    const errors = logLines('error');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^configure callback threw: Error: camera not found/);
    // Recovered: it can be configured again.
    assert.equal(findTransition(lc.state, { label: 'configure' })?.id, 1);
  });

  it('goes through onError when a callback throws: failure finalizes', async () => {
    const { lc, time, events } = await setup({
      onConfigure: () => 'success',
      onActivate: () => Promise.reject(new Error('driver fault')),
      onError: () => 'failure',
    });
    await lc.configure();
    const o = await lc.activate();
    assert.deepEqual([o.success, o.state], [false, 'finalized']);
    await time.flush();
    assert.deepEqual(events.map(brief).slice(2), ['3: 2->13', '32: 13->15', '61: 15->4']);
  });

  it('treats a missing onError as success and a throwing onError as failure', async () => {
    const a = await setup({ onCleanup: () => 'error' });
    await a.lc.configure();
    assert.equal((await a.lc.cleanup()).state, 'unconfigured');
    await a.time.flush();
    assert.deepEqual(a.events.map(brief).slice(2), ['2: 2->11', '22: 11->15', '60: 15->1']);

    const b = await setup({
      onConfigure: () => 'error',
      onError: () => {
        throw new Error('cannot recover');
      },
    });
    assert.equal((await b.lc.configure()).state, 'finalized');
    assert.ok(b.logLines('error').some((m) => m.startsWith('error processing callback threw: Error: cannot recover')));
  });

  it('refuses a second transition while one is in progress', async () => {
    let release!: () => void;
    let configureCalls = 0;
    const { lc } = await setup({
      onConfigure: () => {
        configureCalls++;
        return new Promise<void>((r) => (release = r));
      },
    });
    const first = lc.configure();
    const second = await lc.configure();
    assert.deepEqual(second, { success: false, state: 'unconfigured', message: 'another transition is in progress' });
    const shutdown = await lc.shutdown();
    assert.equal(shutdown.success, false);
    assert.equal(shutdown.message, 'another transition is in progress');
    release();
    const o = await first;
    assert.deepEqual([o.success, o.state], [true, 'inactive']);
    assert.equal(configureCalls, 1);
    assert.equal((await lc.activate()).success, true, 'free again afterwards');
  });

  it('managed publishers drop (one warning) until active, publish while active, drop again after deactivate', async () => {
    const { lc, node, observer, time, logLines } = await setup();
    const got: string[] = [];
    observer.createSubscription('std_msgs/msg/String', '/managed_out', 10, (m) => got.push(m.data));
    const pub = lc.createPublisher('std_msgs/msg/String', '/managed_out', 10);
    assert.equal(pub.topic, '/managed_out');
    assert.equal(pub.type, 'std_msgs/msg/String');
    assert.equal(pub.subscriptionCount(), 1);
    assert.equal(node.countPublishers('/managed_out'), 1, 'the endpoint exists while inactive');
    assert.equal(pub.activated, false);
    pub.publish({ data: 'early 1' });
    pub.publish({ data: 'early 2' });
    await lc.configure();
    pub.publish({ data: 'inactive' });
    await time.flush();
    assert.equal(got.length, 0);
    const dropWarnings = () => logLines('warn').filter((m) => m.includes('is not activated'));
    assert.deepEqual(dropWarnings(), ["publisher on '/managed_out' is not activated (node is unconfigured): message dropped"]);

    await lc.activate();
    assert.equal(pub.activated, true);
    pub.publish({ data: 'live 1' });
    pub.publish({ data: 'live 2' });
    await time.flush();
    assert.deepEqual(got, ['live 1', 'live 2']);

    await lc.deactivate();
    assert.equal(pub.activated, false);
    pub.publish({ data: 'after 1' });
    pub.publish({ data: 'after 2' });
    await time.flush();
    assert.deepEqual(got, ['live 1', 'live 2']);
    assert.equal(dropWarnings().length, 2, 'one new warning after having published while active');
    assert.match(dropWarnings()[1], /node is inactive/);

    // A publisher created while active starts activated.
    await lc.activate();
    const late = lc.createPublisher('std_msgs/msg/String', '/managed_out');
    assert.equal(late.activated, true);
    late.publish({ data: 'late' });
    await time.flush();
    assert.deepEqual(got, ['live 1', 'live 2', 'late']);
  });

  it('stamps transition events with the node clock', async () => {
    const { lc, time, events } = await setup();
    await lc.configure();
    await time.advanceBy(0.5);
    await lc.activate();
    await time.flush();
    assert.deepEqual(
      events.map((e) => e.timestamp),
      [1_000_000_000_000n, 1_000_000_000_000n, 1_000_500_000_000n, 1_000_500_000_000n],
    );
  });

  it('serves ~/get_available_transitions for the current state', async () => {
    const { lc, observer } = await setup();
    const client = observer.createClient('lifecycle_msgs/srv/GetAvailableTransitions', '/managed/get_available_transitions');
    const list = async () =>
      (await client.call({})).available_transitions.map(
        (d) =>
          `${d.transition.label}#${d.transition.id} ${d.start_state.label}(${d.start_state.id})->${d.goal_state.label}(${d.goal_state.id})`,
      );
    assert.deepEqual(await list(), ['configure#1 unconfigured(1)->configuring(10)', 'shutdown#5 unconfigured(1)->shuttingdown(12)']);
    await lc.configure();
    assert.deepEqual(await list(), [
      'cleanup#2 inactive(2)->cleaningup(11)',
      'activate#3 inactive(2)->activating(13)',
      'shutdown#6 inactive(2)->shuttingdown(12)',
    ]);
    await lc.activate();
    assert.deepEqual(await list(), ['deactivate#4 active(3)->deactivating(14)', 'shutdown#7 active(3)->shuttingdown(12)']);
    await lc.shutdown();
    assert.deepEqual(await list(), []);
  });

  it('serves ~/get_state, ~/get_available_states and ~/get_transition_graph', async () => {
    const { lc, observer } = await setup();
    const getState = observer.createClient('lifecycle_msgs/srv/GetState', '/managed/get_state');
    assert.deepEqual(await getState.call({}), { current_state: { id: 1, label: 'unconfigured' } });
    await lc.configure();
    assert.deepEqual(await getState.call({}), { current_state: { id: 2, label: 'inactive' } });
    const states = observer.createClient('lifecycle_msgs/srv/GetAvailableStates', '/managed/get_available_states');
    assert.deepEqual(
      (await states.call({})).available_states.map((s) => s.id),
      [1, 2, 3, 4, 10, 11, 12, 13, 14, 15],
    );
    const graph = observer.createClient('lifecycle_msgs/srv/GetAvailableTransitions', '/managed/get_transition_graph');
    assert.deepEqual(
      (await graph.call({})).available_transitions.map((d) => d.transition.id),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });

  it('~/change_state runs legal transitions by id or label and refuses illegal ones with a warning', async () => {
    const calls: string[] = [];
    const { lc, observer, logLines } = await setup({ onConfigure: () => void calls.push('configure') });
    const change = observer.createClient('lifecycle_msgs/srv/ChangeState', '/managed/change_state');
    assert.deepEqual(await change.call({ transition: { id: 3, label: '' } }), { success: false });
    assert.equal(lc.state, 'unconfigured');
    const refusal = logLines('warn').find((m) => m.startsWith('refused lifecycle transition'));
    assert.equal(refusal, `refused lifecycle transition {"id":3,"label":""} in state 'unconfigured': available: configure, shutdown`);
    assert.deepEqual(await change.call({ transition: { id: 0, label: 'configure' } }), { success: true });
    assert.deepEqual(await change.call({ transition: { id: 3, label: '' } }), { success: true });
    assert.equal(lc.state, 'active');
    assert.deepEqual(calls, ['configure']);
  });
});
