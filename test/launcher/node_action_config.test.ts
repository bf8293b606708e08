// How a launch file's <node> becomes a node's configuration, and that the parameter
// precedence matches what rcl sees under ros2 launch (inline params keyed as launch_ros keys them).

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeAction } from '../../nodes/launcher/launch_description.js';
import { inlineParameterKey, nodeConfigFromAction, rosArgvFromAction } from '../../nodes/launcher/node_action_config.js';
import { collectOverrides } from '../../nodes/ros/params_file.js';

function action(over: Partial<NodeAction>): NodeAction {
  return {
    pkg: 'vla_ros',
    exec: 'episode_manager',
    name: 'episode_manager',
    namespace: '/',
    namespaceGiven: false,
    parameters: [],
    remaps: [],
    args: [],
    rosArgs: [],
    output: undefined,
    respawn: false,
    respawnDelay: 0,
    origin: 'test',
    ...over,
  };
}

describe('launch <node> → node configuration', () => {
  it('keys inline parameters like launch_ros: the full name with a name and a namespace, else /**', () => {
    assert.equal(inlineParameterKey(action({ namespace: '/fr3', namespaceGiven: true }), '/fr3/episode_manager'), '/fr3/episode_manager');
    assert.equal(inlineParameterKey(action({ namespace: '/', namespaceGiven: true }), '/episode_manager'), '/episode_manager');
    assert.equal(inlineParameterKey(action({}), '/episode_manager'), '/**');
    assert.equal(inlineParameterKey(action({ name: undefined, namespace: '/a', namespaceGiven: true }), '/a/episode_manager'), '/**');
  });

  it('gives the same precedence as rcl: a namespaced inline param beats an earlier node-specific file section', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_action_'));
    // As in bringup: the robot file's /** section first, then the per-node defaults.
    const robot = path.join(dir, 'robot.yaml');
    fs.writeFileSync(robot, '/**:\n  ros__parameters:\n    robot.name: fr3\n');
    const file = path.join(dir, 'nodes.yaml');
    fs.writeFileSync(file, '/**/episode_manager:\n  ros__parameters:\n    instruction: from file\n');
    const inline = {
      kind: 'inline' as const,
      global: false,
      params: [{ name: 'instruction', type: 'string' as const, value: 'from launch', source: 'launch' }],
    };
    const value = (a: NodeAction) => {
      const c = nodeConfigFromAction(a, 'episode_manager', 'info');
      return collectOverrides(c.parameterSections, `${c.namespace === '/' ? '' : c.namespace}/${c.name}`).overrides.get('instruction')
        ?.value;
    };
    const params = [{ kind: 'file' as const, path: robot }, { kind: 'file' as const, path: file }, inline];
    assert.equal(value(action({ namespace: '/fr3', namespaceGiven: true, parameters: params })), 'from launch');
    // Without a namespace launch_ros files it under /**, whose entry the robot file opened
    // first: rcl applies it before the /**/episode_manager section, which therefore wins.
    assert.equal(value(action({ parameters: params })), 'from file');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the command line ros2 launch passes, with inline params in a params file keyed the same way', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_argv_'));
    const inline = {
      kind: 'inline' as const,
      global: false,
      params: [{ name: 'instruction', type: 'string' as const, value: 'go', source: 'launch' }],
    };
    const argv = rosArgvFromAction(
      action({ namespace: '/fr3', namespaceGiven: true, parameters: [inline], remaps: [{ from: 'a', to: 'b' }] }),
      'episode_manager',
      dir,
    );
    assert.deepEqual(argv.slice(0, 5), ['--ros-args', '-r', '__node:=episode_manager', '-r', '__ns:=/fr3']);
    assert.equal(argv[5], '--params-file');
    assert.equal(fs.readFileSync(argv[6], 'utf8'), '/fr3/episode_manager:\n  ros__parameters:\n    instruction: go\n');
    assert.deepEqual(argv.slice(7), ['-r', 'a:=b']);
    assert.deepEqual(
      rosArgvFromAction(action({}), 'episode_manager', dir),
      ['--ros-args', '-r', '__node:=episode_manager'],
      'no __ns without a namespace',
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
