// The simulator launch files: the built-in sim with the suite on its clock, and the suite against
// an external simulator's topics (Gazebo / Isaac Sim).

import { strict as assert } from 'node:assert';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import type { NodeAction } from '../../nodes/launcher/launch_description.js';
import { REFERENCE_BUNDLES } from '../../nodes/sim/robot_facts.js';
import { packagePath } from '../../nodes/package_paths.js';

/** The use_sim_time a node ends up with: its last inline setting (global ones come first). */
function useSimTime(n: NodeAction): unknown {
  let value: unknown;
  for (const p of n.parameters) if (p.kind !== 'file') for (const v of p.params) if (v.name === 'use_sim_time') value = v.value;
  return value;
}

describe('simulator launch files', () => {
  it('sim.launch.xml: the sim first, on its own clock; every suite node on /clock; sim arguments reach the sim', () => {
    const d = loadLaunchFile(
      packagePath('launch', 'sim.launch.xml'),
      { robot: 'ur5e', task: 'push_left', seed: '7', real_time_factor: '2.0' },
      defaultLaunchContext({}),
    );
    assert.deepEqual(
      d.nodes.map((n) => n.exec),
      ['sim', 'episode_manager', 'camera_ingestion', 'slow_pathway', 'fast_pathway', 'failure_monitor', 'controller_bridge'],
    );
    const [sim, ...suite] = d.nodes;
    assert.equal(useSimTime(sim), false);
    for (const n of suite) assert.equal(useSimTime(n), true, n.exec);
    const simParams = new Map(sim.parameters.flatMap((p) => (p.kind === 'file' ? [] : p.params.map((v) => [v.name, v.value] as const))));
    assert.equal(simParams.get('task'), 'push_left');
    assert.equal(simParams.get('seed'), 7);
    assert.equal(simParams.get('real_time_factor'), 2);
    assert.ok(sim.parameters.some((p) => p.kind === 'file' && p.path.endsWith('config/sim/ur5e.yaml')));
  });

  it("sim.launch.xml's policy is the robot's reference bundle unless given", () => {
    const bundles = (args: Record<string, string>) => {
      const d = loadLaunchFile(packagePath('launch', 'sim.launch.xml'), args, defaultLaunchContext({}));
      return ['slow_pathway', 'fast_pathway', 'failure_monitor'].map((exec) => {
        const node = d.nodes.find((n) => n.exec === exec)!;
        let value: unknown;
        for (const p of node.parameters) if (p.kind !== 'file') for (const v of p.params) if (v.name === 'policy_bundle') value = v.value;
        return value;
      });
    };
    for (const [robot, bundle] of Object.entries(REFERENCE_BUNDLES)) assert.deepEqual(bundles({ robot }), [bundle, bundle, bundle], robot);
    assert.deepEqual(bundles({}), ['reference', 'reference', 'reference'], 'fr3 by default');
    assert.deepEqual(bundles({ robot: 'ur5e', policy: '/tmp/mine' }), ['/tmp/mine', '/tmp/mine', '/tmp/mine']);
  });

  it("external_sim.launch.xml: the suite on the simulator's /clock, its camera and joint-state topics remapped", () => {
    const d = loadLaunchFile(
      packagePath('launch', 'external_sim.launch.xml'),
      { robot: 'fr3', scene_camera: '/rgb_front', wrist_camera: '/hand_cam/image', joint_states: '/isaac_joint_states' },
      defaultLaunchContext({}),
    );
    assert.equal(d.nodes.length, 6);
    assert.ok(!d.nodes.some((n) => n.exec === 'sim'));
    for (const n of d.nodes) {
      assert.equal(useSimTime(n), true, n.exec);
      assert.deepEqual(
        n.remaps.map((r) => [r.from, r.to]),
        [
          ['cameras/scene/image_raw', '/rgb_front'],
          ['cameras/wrist/image_raw', '/hand_cam/image'],
          ['joint_states', '/isaac_joint_states'],
        ],
      );
    }
  });
});
