// The config files and the launch files' parameters only set parameters the nodes declare, with
// values that fit: the same check startNode makes, run without starting any node.

import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { packagePath } from '../../nodes/package_paths.js';
import { loadNodeDefinition, nodeExecutables } from '../../nodes/launcher/node_registry.js';
import { loadParamsFile, parseParamsYaml } from '../../nodes/ros/params_file.js';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import { nodeConfigFromAction } from '../../nodes/launcher/node_action_config.js';
import { fullyQualifiedNodeName } from '../../nodes/ros/names.js';
import {
  defaultDriftProblems,
  nodeParameterProblems,
  paramsFileProblems,
  type CheckedNode,
} from '../../nodes/runtime/params_file_check.js';
import { simParameters } from '../../nodes/sim/node_params.js';
import { isSimRobot, SIM_ROBOTS } from '../../nodes/sim/robot_facts.js';

async function declaredNodes(): Promise<CheckedNode[]> {
  const nodes: CheckedNode[] = [];
  for (const exec of nodeExecutables()) {
    const d = await loadNodeDefinition(exec);
    nodes.push({ name: d.defaultName, parameters: d.parameters });
  }
  return nodes;
}

describe('config and launch files set only declared parameters, with valid values', () => {
  const files = [
    packagePath('config', 'nodes.yaml'),
    ...fs.readdirSync(packagePath('config', 'robots')).map((f) => packagePath('config', 'robots', f)),
  ];
  for (const file of files) {
    it(file.slice(packagePath().length + 1), async () => {
      assert.deepEqual(paramsFileProblems(loadParamsFile(file), await declaredNodes()), []);
    });
  }

  it('config/nodes.yaml lists each parameter with its declared default', async () => {
    assert.deepEqual(defaultDriftProblems(loadParamsFile(packagePath('config', 'nodes.yaml')), await declaredNodes()), []);
  });

  it('a defaults file whose value differs from the declared default is reported', async () => {
    const sections = parseParamsYaml(
      ['/**/fast_pathway:', '  ros__parameters:', '    rate_hz: 25.0', '    seed: 0'].join('\n'),
      'defaults.yaml',
    );
    assert.deepEqual(await declaredNodes().then((nodes) => defaultDriftProblems(sections, nodes)), [
      "defaults.yaml: fast_pathway.rate_hz is 25 but its declared default is 30 (the file lists the defaults: change the default in the node's schema, or set a deployment's value in its own params file)",
    ]);
  });

  for (const robot of SIM_ROBOTS) {
    it(`config/sim/${robot}.yaml (with config/robots/${robot}.yaml)`, () => {
      const sections = [
        ...loadParamsFile(packagePath('config', 'robots', `${robot}.yaml`)),
        ...loadParamsFile(packagePath('config', 'sim', `${robot}.yaml`)),
      ];
      assert.deepEqual(paramsFileProblems(sections, [{ name: 'sim', parameters: simParameters(robot) }]), []);
    });
  }

  const launches: [string, Record<string, string>[]][] = [
    ['bringup.launch.xml', ['fr3', 'panda', 'ur5e', 'ur10e'].map((robot) => ({ robot }))],
    ['sim.launch.xml', SIM_ROBOTS.map((robot) => ({ robot, task: 'push_left', seed: '7', auto_reset: 'true', episode_timeout: '30' }))],
    ['external_sim.launch.xml', [{ robot: 'fr3' }]],
  ];
  for (const [file, argSets] of launches) {
    for (const args of argSets) {
      it(`launch/${file} ${Object.entries(args)
        .map(([k, v]) => `${k}:=${v}`)
        .join(' ')}: every node's parameters`, async () => {
        const d = loadLaunchFile(packagePath('launch', file), args, defaultLaunchContext({}));
        assert.ok(d.nodes.length > 0);
        const problems: string[] = [];
        for (const action of d.nodes) {
          const definition = await loadNodeDefinition(action.exec);
          const config = nodeConfigFromAction(action, definition.defaultName, 'info');
          const fqn = fullyQualifiedNodeName(config.namespace, config.name);
          const schema = action.exec === 'sim' && isSimRobot(args.robot) ? simParameters(args.robot) : definition.parameters;
          problems.push(...nodeParameterProblems(config.parameterSections, fqn, schema));
        }
        assert.deepEqual(problems, []);
      });
    }
  }

  it('reports an unknown name, a wrong type, a value out of range, a bad choice and an unknown shared name', async () => {
    const sections = parseParamsYaml(
      [
        '/**/controller_bridge:',
        '  ros__parameters:',
        '    publish_rate: 50.0',
        '    max_chunk_age: fast',
        '    joint_limit_margin: 2.0',
        '    merge_rule: newest',
        '/**:',
        '  ros__parameters:',
        '    robot: {name: fr3, colour: red}',
      ].join('\n'),
      'bad.yaml',
    );
    const problems = paramsFileProblems(sections, await declaredNodes());
    const expected = [
      /controller_bridge.*publish_rate.*did you mean 'publish_rate_hz'/,
      /'max_chunk_age'.*expected double, got string/,
      /'joint_limit_margin'.*outside the range \[0, 0.5\]/,
      /'merge_rule'.*"newest" is not one of/,
      /'robot.colour' \(from bad.yaml\): no node declares it/,
    ];
    for (const pattern of expected)
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `${pattern} in:\n${problems.join('\n')}`,
      );
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });
});
