// nodeConfigFromArgv: a node's identity, parameter sources (in command-line order), and log
// level from `--ros-args`, and the errors a bad command line gives.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDomain } from '../../nodes/ros/embedded/domain.js';
import { EmbeddedNode } from '../../nodes/ros/embedded/embedded_node.js';
import { NameError } from '../../nodes/ros/names.js';
import { fqnOf, nodeConfigFromArgv, type NodeConfig } from '../../nodes/ros/node_config.js';
import { ParamsFileError } from '../../nodes/ros/params_file.js';
import { RosArgsError } from '../../nodes/ros/ros_args.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';

function nodeFor(config: NodeConfig): EmbeddedNode {
  return new EmbeddedNode(new EmbeddedDomain({ time: new VirtualTimeBase(), logSink: () => {} }), config);
}

describe('nodeConfigFromArgv', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vla-ros-node-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, lines: string[]): string {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  it('uses the defaults when there are no ROS arguments', () => {
    const argv = ['--rate', '5'];
    const c = nodeConfigFromArgv('talker', argv);
    assert.deepEqual(c, { name: 'talker', namespace: '/', remaps: [], parameterSections: [], logLevel: 'info', rosArgv: argv });
    assert.equal(c.rosArgv, argv, 'the original argv is kept for rcl');
    assert.equal(nodeConfigFromArgv('talker', [], 'robot/').namespace, '/robot');
  });

  it('takes the node name and namespace from __node / __ns remaps', () => {
    const c = nodeConfigFromArgv('talker', [
      'user',
      '--ros-args',
      '-r',
      '__node:=bridge',
      '-r',
      '__ns:=/fr3',
      '-r',
      'cmd:=target',
      '--',
      'more',
    ]);
    assert.equal(c.name, 'bridge');
    assert.equal(c.namespace, '/fr3');
    assert.equal(fqnOf(c), '/fr3/bridge');
    assert.deepEqual(c.remaps, [
      { from: '__node', to: 'bridge' },
      { from: '__ns', to: '/fr3' },
      { from: 'cmd', to: 'target' },
    ]);
    assert.equal(nodeConfigFromArgv('talker', ['--ros-args', '-r', '__name:=alias']).name, 'alias');
    assert.equal(nodeConfigFromArgv('talker', ['--ros-args', '-r', '__ns:=/a/b/']).namespace, '/a/b');
  });

  it('applies node-prefixed identity remaps only to that node; __ns follows the new name', () => {
    assert.equal(nodeConfigFromArgv('talker', ['--ros-args', '-r', 'other:__node:=x']).name, 'talker');
    assert.equal(nodeConfigFromArgv('talker', ['--ros-args', '-r', 'talker:__node:=x']).name, 'x');
    const c = nodeConfigFromArgv('talker', ['--ros-args', '-r', '__node:=bridge', '-r', 'talker:__ns:=/old', '-r', 'bridge:__ns:=/new']);
    assert.equal(fqnOf(c), '/new/bridge');
  });

  it('keeps params files and -p rules in command-line order, -p addressed to this node', () => {
    const common = file('common.yaml', ['/**:', '  ros__parameters:', '    rate_hz: 10', '    gain: 1.0']);
    const specific = file('bridge.yaml', ['/fr3/bridge:', '  ros__parameters:', '    rate_hz: 30']);
    const c = nodeConfigFromArgv('talker', [
      '--ros-args',
      '-r',
      '__node:=bridge',
      '-r',
      '__ns:=/fr3',
      '--params-file',
      common,
      '-p',
      'rate_hz:=20',
      '--params-file',
      specific,
      '--param',
      'gain:=2.5',
    ]);
    assert.deepEqual(
      c.parameterSections.map((s) => [s.nodePattern, s.params.map((p) => `${p.name}=${String(p.value)} (${p.type}, ${p.source})`)]),
      [
        ['/**', [`rate_hz=10 (integer, ${common})`, `gain=1 (double, ${common})`]],
        ['/fr3/bridge', ['rate_hz=20 (integer, -p)']],
        ['/fr3/bridge', [`rate_hz=30 (integer, ${specific})`]],
        ['/fr3/bridge', ['gain=2.5 (double, --param)']],
      ],
    );
    const node = nodeFor(c);
    assert.equal(node.parameters.declare('rate_hz', 1, { type: 'integer' }), 30, 'the file given after -p wins');
    assert.equal(node.parameters.declare('gain', 0.5), 2.5);

    const reversed = nodeFor(
      nodeConfigFromArgv('bridge', ['--ros-args', '-r', '__ns:=/fr3', '--params-file', specific, '-p', 'rate_hz:=20']),
    );
    assert.equal(reversed.parameters.declare('rate_hz', 1, { type: 'integer' }), 20, '-p given after the file wins');
  });

  it('reports a misspelt unprefixed -p as an unused override of this node', () => {
    const node = nodeFor(nodeConfigFromArgv('bridge', ['--ros-args', '-p', 'rat_hz:=50', '-p', 'gain:=2.0']));
    node.parameters.declare('rate_hz', 30, { type: 'integer' });
    node.parameters.declare('gain', 1, { type: 'double' });
    assert.deepEqual(node.parameters.unusedOverrides(), ["'rat_hz' (from -p): did you mean 'rate_hz'?"]);
  });

  it('applies `node:name:=value` rules only to the named node', () => {
    const argv = ['--ros-args', '-p', 'bridge:gain:=2.0', '-p', 'monitor:gain:=9.0', '-p', 'bridge:gainn:=3.0'];
    const c = nodeConfigFromArgv('bridge', argv);
    assert.deepEqual(
      c.parameterSections.map((s) => s.nodePattern),
      ['bridge', 'monitor', 'bridge'],
    );
    const bridge = nodeFor(c);
    assert.equal(bridge.parameters.declare('gain', 1, { type: 'double' }), 2);
    assert.deepEqual(bridge.parameters.unusedOverrides(), ["'gainn' (from -p): did you mean 'gain'?"]);
    const monitor = nodeFor(nodeConfigFromArgv('monitor', argv));
    assert.equal(monitor.parameters.declare('gain', 1, { type: 'double' }), 9);
    assert.deepEqual(monitor.parameters.unusedOverrides(), []);
  });

  it('takes --log-level for the default logger or for this node', () => {
    const level = (...args: string[]) => nodeConfigFromArgv('bridge', ['--ros-args', ...args]).logLevel;
    assert.equal(level(), 'info');
    assert.equal(level('--log-level', 'debug'), 'debug');
    assert.equal(level('--log-level', 'WARNING'), 'warn');
    assert.equal(level('--log-level', 'bridge:=error'), 'error');
    assert.equal(level('--log-level', 'monitor:=debug'), 'info', "another node's logger");
    assert.equal(level('--log-level', 'monitor:=debug', '--log-level', 'fatal'), 'fatal');
    assert.equal(level('--log-level', 'warn', '--log-level', 'bridge:=debug'), 'debug');
    assert.equal(level('-r', '__node:=renamed', '--log-level', 'renamed:=error'), 'error', 'the remapped name counts');
  });

  describe('errors', () => {
    const fails = (argv: string[], expected: { type: new (...args: never[]) => Error; message: RegExp }, name = 'bridge') =>
      assert.throws(
        () => nodeConfigFromArgv(name, argv),
        (err: unknown) => {
          assert.ok(err instanceof expected.type, `expected ${expected.type.name}, got ${String(err)}`);
          assert.match(err.message, expected.message);
          return true;
        },
      );

    it('a -p rule without := or value', () => {
      fails(['--ros-args', '-p', 'rate_hz'], {
        type: RosArgsError,
        message: /^invalid ROS argument '-p rate_hz': missing ':='; usage: -p \[node:\]name:=value/,
      });
      fails(['--ros-args', '-p'], { type: RosArgsError, message: /^ROS argument '-p' needs a value; usage: / });
      fails(['--ros-args', '-p', 'rate_hz:='], { type: RosArgsError, message: /^invalid ROS argument '-p rate_hz:=': value: / });
    });

    it('a params file that cannot be read or parsed', () => {
      const missing = join(dir, 'missing.yaml');
      fails(['--ros-args', '--params-file', missing], {
        type: ParamsFileError,
        message: new RegExp(`^cannot read params file '${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`),
      });
      const broken = file('broken.yaml', ['/**:', '  ros__parameters:', '    rate_hz: [1, 2', '']);
      assert.throws(
        () => nodeConfigFromArgv('bridge', ['--ros-args', '--params-file', broken]),
        (err: unknown) => err instanceof ParamsFileError && err.file === broken && err.message.startsWith(broken),
      );
    });

    it('bad remaps, log levels, unknown flags and node names', () => {
      fails(['--ros-args', '-r', '__node:=9lives'], {
        type: RosArgsError,
        message: /^invalid ROS argument '-r __node:=9lives': .*'9lives' is not a valid node name/,
      });
      fails(['--ros-args', '-r', '__ns:=relative'], { type: RosArgsError, message: /namespace 'relative' must be absolute/ });
      fails(['--ros-args', '--log-level', 'loud'], {
        type: RosArgsError,
        message: /^invalid ROS argument '--log-level loud': unknown log level 'loud'/,
      });
      fails(['--ros-args', '--bogus'], { type: RosArgsError, message: /^unknown ROS argument '--bogus' after --ros-args; known: / });
      fails([], { type: NameError, message: /bad-name/ }, 'bad-name');
    });
  });
});
