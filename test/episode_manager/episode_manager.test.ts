import { strict as assert } from 'node:assert';
import { vla_ros_msgs, type diagnostic_msgs } from '../../nodes/msgs/generated/interfaces.js';
import { MAX_INSTRUCTION_BYTES } from '../../nodes/episode_manager/instruction_text.js';
import { episodeManager } from '../../nodes/episode_manager/node.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { LogRecord } from '../../nodes/ros/logger.js';
import type { RosNode } from '../../nodes/ros/node.js';
import { QoSProfiles } from '../../nodes/ros/qos.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';
import { startNode, type RunningNode } from '../../nodes/runtime/node_runner.js';

const { EVENT_START, EVENT_RESET, EVENT_END } = vla_ros_msgs.msg.EpisodeEvent;

describe('episode_manager node', () => {
  let time: VirtualTimeBase;
  let backend: EmbeddedBackend;
  let running: RunningNode;
  let probe: RosNode;
  let instructions: vla_ros_msgs.msg.Instruction[];
  let events: vla_ros_msgs.msg.EpisodeEvent[];
  let logs: LogRecord[];

  async function start(instruction: string): Promise<void> {
    time = new VirtualTimeBase(50);
    logs = [];
    backend = new EmbeddedBackend({ time, logSink: (r) => logs.push(r) });
    probe = await backend.createNode({
      name: 'probe',
      namespace: '/arm',
      remaps: [],
      parameterSections: [],
      logLevel: 'error',
      rosArgv: [],
    });
    instructions = [];
    events = [];
    probe.createSubscription('vla_ros_msgs/msg/Instruction', 'instruction', QoSProfiles.transientLocal, (m) => instructions.push(m));
    probe.createSubscription('vla_ros_msgs/msg/EpisodeEvent', 'episode_events', 10, (m) => events.push(m));
    running = await startNode(episodeManager, backend, {
      name: 'episode_manager',
      namespace: '/arm',
      remaps: [],
      parameterSections: [{ nodePattern: '/**', params: [{ name: 'instruction', type: 'string', value: instruction, source: 'test' }] }],
      logLevel: 'info',
      rosArgv: [],
    });
    await time.flush();
  }

  afterEach(async () => {
    await running.stop();
    await backend.shutdown();
  });

  it('publishes the initial instruction on activation, latched, with a START event stamped on the node clock', async () => {
    await start('touch the blue block');
    assert.equal(instructions.length, 1);
    assert.equal(instructions[0].text, 'touch the blue block');
    assert.match(instructions[0].id, /^ep1-50000$/);
    assert.deepEqual(instructions[0].header.stamp, { sec: 50, nanosec: 0 });
    assert.deepEqual(
      events.map((e) => [e.event, e.episode_id, e.instruction]),
      [[EVENT_START, 'ep1-50000', 'touch the blue block']],
    );
  });

  it('starts, resets and ends episodes through its services', async () => {
    await start('');
    assert.equal(instructions.length, 0, 'no instruction without one configured');
    const set = probe.createClient('vla_ros_msgs/srv/SetInstruction', 'episode_manager/set_instruction');
    const reset = probe.createClient('std_srvs/srv/Trigger', 'episode_manager/reset');
    const end = probe.createClient('std_srvs/srv/SetBool', 'episode_manager/end_episode');

    assert.deepEqual(await reset.call({}), { success: false, message: 'no instruction yet' });
    assert.deepEqual(await set.call({ text: '   ', id: '' }), { success: false, message: 'instruction text is empty', id: '' });
    assert.deepEqual(await set.call({ text: 'push the red cube', id: 'a' }), { success: true, message: 'episode started', id: 'a' });
    await time.advanceBy(1);
    const r = await reset.call({});
    assert.equal(r.success, true);
    assert.deepEqual(await end.call({ data: true }), { success: true, message: 'episode ended (success)' });
    assert.deepEqual(await end.call({ data: false }), { success: false, message: 'no running episode' });
    await time.flush();

    assert.deepEqual(
      instructions.map((i) => [i.id, i.text]),
      [
        ['a', 'push the red cube'],
        ['ep2-51000', 'push the red cube'],
      ],
    );
    assert.deepEqual(
      events.map((e) => [e.event, e.episode_id, e.success]),
      [
        [EVENT_START, 'a', false],
        [EVENT_RESET, 'a', false],
        [EVENT_END, 'a', false],
        [EVENT_START, 'ep2-51000', false],
        [EVENT_END, 'ep2-51000', true],
      ],
    );
  });

  it('takes plain-text instructions on instruction_text and refuses work while inactive', async () => {
    await start('');
    const text = probe.createPublisher('std_msgs/msg/String', 'instruction_text');
    text.publish({ data: 'open the drawer' });
    await time.flush();
    assert.deepEqual(
      instructions.map((i) => i.text),
      ['open the drawer'],
    );
    assert.equal((await running.instance.lifecycle!.deactivate()).success, true);
    const set = probe.createClient('vla_ros_msgs/srv/SetInstruction', 'episode_manager/set_instruction');
    assert.deepEqual(await set.call({ text: 'x', id: '' }), { success: false, message: 'episode_manager is inactive, not active', id: '' });
    text.publish({ data: 'ignored while inactive' });
    await time.flush();
    assert.equal(instructions.length, 1);
  });

  /** The episode manager's /diagnostics values, after the next 1 Hz report. */
  async function counters(): Promise<Record<string, string>> {
    const seen: diagnostic_msgs.msg.DiagnosticStatus[] = [];
    const sub = probe.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 10, (m) => seen.push(...m.status));
    await time.advanceBy(1.01);
    sub.destroy();
    return Object.fromEntries(
      seen
        .filter((d) => /episode_manager/.test(d.name))
        .at(-1)!
        .values.map((v) => [v.key, v.value]),
    );
  }

  it('latches a plain-text instruction that arrives before activation, counts it and starts it on activation', async () => {
    await start('');
    assert.equal((await running.instance.lifecycle!.deactivate()).success, true);
    const text = probe.createPublisher('std_msgs/msg/String', 'instruction_text');
    text.publish({ data: 'first, too early' });
    text.publish({ data: 'push the red cube' });
    await time.flush();
    assert.equal(instructions.length, 0, 'nothing published while inactive');
    assert.ok(
      logs.some(
        (l) =>
          l.level === 'info' && /instruction_text before activation .*"push the red cube" starts when the node activates/.test(l.message),
      ),
    );
    assert.equal((await running.instance.lifecycle!.activate()).success, true);
    await time.flush();
    assert.deepEqual(
      instructions.map((i) => i.text),
      ['push the red cube'],
      'the latest one starts on activation',
    );
    const set = probe.createClient('vla_ros_msgs/srv/SetInstruction', 'episode_manager/set_instruction');
    assert.equal((await running.instance.lifecycle!.deactivate()).success, true);
    assert.equal((await set.call({ text: 'x', id: '' })).success, false);
    assert.equal((await counters()).instructions_before_active, '3');
  });

  it(`refuses empty and over-${MAX_INSTRUCTION_BYTES}-byte instructions (counted); logs are one short line without control characters`, async () => {
    await start('');
    const set = probe.createClient('vla_ros_msgs/srv/SetInstruction', 'episode_manager/set_instruction');
    const text = probe.createPublisher('std_msgs/msg/String', 'instruction_text');
    const huge = 'push\u0000 the cube\u001b[2J '.repeat(100_000);
    const r = await set.call({ text: huge, id: '' });
    assert.equal(r.success, false);
    assert.match(r.message, /^instruction is \d+ bytes, more than 1024/);
    text.publish({ data: huge });
    text.publish({ data: '  ' });
    assert.deepEqual(await set.call({ text: '\n\t', id: '' }), { success: false, message: 'instruction text is empty', id: '' });
    await time.flush();
    assert.equal(instructions.length, 0);
    const c = await counters();
    assert.deepEqual([c.instructions_too_long, c.instructions_empty], ['2', '2']);
    const refusals = logs.filter((l) => /refused: instruction is \d+ bytes/.test(l.message));
    assert.equal(refusals.length, 2, 'one line per entry point per 5 s');
    for (const l of refusals) {
      assert.ok(l.message.length < 400, `log line of ${l.message.length} chars`);
      assert.doesNotMatch(l.message, /\p{Cc}/u);
      assert.match(l.message, /push\\x00 the cube\\x1b\[2J/);
    }
    // Control characters inside an accepted instruction are escaped in its log line too.
    assert.equal((await set.call({ text: 'open\u0000 the drawer', id: '' })).success, true);
    await time.flush();
    assert.ok(logs.some((l) => l.level === 'info' && l.message.endsWith(': "open\\x00 the drawer"')));
    assert.equal(instructions.at(-1)!.text, 'open\u0000 the drawer', 'the instruction itself is kept as sent');
  });
  it('cleanup forgets the episode; configured and activated again it works as new', async () => {
    await start('');
    const lifecycle = running.instance.lifecycle!;
    const set = probe.createClient('vla_ros_msgs/srv/SetInstruction', 'episode_manager/set_instruction');
    const reset = probe.createClient('std_srvs/srv/Trigger', 'episode_manager/reset');
    assert.equal((await set.call({ text: 'push the red cube', id: 'a' })).success, true);
    assert.equal((await lifecycle.deactivate()).success, true);
    const text = probe.createPublisher('std_msgs/msg/String', 'instruction_text');
    text.publish({ data: 'latched, then cleaned up' });
    await time.flush();
    assert.equal((await lifecycle.cleanup()).success, true);
    assert.equal((await lifecycle.configure()).success, true);
    assert.equal((await lifecycle.activate()).success, true);
    await time.flush();
    assert.deepEqual(await reset.call({}), { success: false, message: 'no instruction yet' }, 'cleanup forgot the episode');
    assert.deepEqual(
      instructions.map((i) => i.text),
      ['push the red cube'],
      'cleanup dropped the latched instruction',
    );
    assert.deepEqual(await set.call({ text: 'open the drawer', id: 'b' }), { success: true, message: 'episode started', id: 'b' });
    assert.deepEqual(await reset.call({}), { success: true, message: 'episode ep2-50000 started' });
    await time.flush();
    assert.deepEqual(
      events.map((e) => [e.event, e.episode_id]),
      [
        [EVENT_START, 'a'],
        [EVENT_START, 'b'],
        [EVENT_RESET, 'b'],
        [EVENT_END, 'b'],
        [EVENT_START, 'ep2-50000'],
      ],
      'no END for the episode the cleanup dropped (nothing publishes while inactive)',
    );
  });
});
