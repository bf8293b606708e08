// The simulated workcell: the MJCF matches the robot facts and the suite's kinematic model,
// gravity is compensated as on the real arm, the control law tracks targets, and a run is a
// function of its seed and commands alone.

import { strict as assert } from 'node:assert';
import { buildScene } from '../../nodes/sim/scene_mjcf.js';
import { loadRobotFacts, SIM_ROBOTS } from '../../nodes/sim/robot_facts.js';
import { kinematicsFor } from '../../nodes/robots/robot_models.js';
import { quatAngle } from '../../nodes/robots/rotation.js';
import { runEpisode } from '../../nodes/sim/episode_runner.js';
import { makeSimulator, maxAbsDiff } from './sim_helpers.js';

describe('simulated workcell (MuJoCo)', function () {
  this.timeout(30_000);

  for (const robot of SIM_ROBOTS) {
    describe(robot, () => {
      it('MJCF: joint names and limits are those of config/robots, angles in radians, 1 ms timestep', () => {
        const facts = loadRobotFacts(robot);
        const { xml } = buildScene(facts);
        assert.match(xml, /<compiler angle="radian"/);
        assert.match(xml, /timestep="0\.001"/);
        facts.jointNames.forEach((name, i) => {
          const m = new RegExp(`<joint name="${name}" type="hinge" axis="0 0 1" range="([^ ]+) ([^"]+)"`).exec(xml);
          assert.ok(m, `joint ${name} in the MJCF`);
          assert.ok(
            Math.abs(Number(m[1]) - facts.positionMin[i]) < 1e-9 && Math.abs(Number(m[2]) - facts.positionMax[i]) < 1e-9,
            `${name} range`,
          );
        });
        assert.match(xml, /type="slide"[^>]*range="0 (0\.04|0\.0425)"/);
      });

      it("MuJoCo's forward kinematics and Jacobian equal the suite's DH model at the end-effector frame", async () => {
        const sim = await makeSimulator(robot);
        const facts = sim.facts;
        const chain = kinematicsFor(robot, facts.eeFrame)!;
        const n = facts.jointNames.length;
        const J = new Float64Array(6 * n);
        for (let t = 0; t < 12; t++) {
          const q = facts.home.map((h, i) => h + 0.5 * Math.sin(1.3 * t + 2.1 * i));
          sim.physics.setArm(q);
          const ee = sim.eePose();
          const ref = chain.pose(q);
          assert.ok(Math.hypot(ee.p[0] - ref.p[0], ee.p[1] - ref.p[1], ee.p[2] - ref.p[2]) < 1e-9, 'position');
          assert.ok(quatAngle(ee.q, ref.q) < 1e-9, 'orientation');
          assert.ok(maxAbsDiff(sim.physics.eeJacobian(J), chain.jacobian(q)) < 1e-9, 'Jacobian');
        }
        sim.dispose();
      });

      it('the arm does not sag: the hardware compensates gravity (qfrc_bias), the law holds still', async () => {
        const sim = await makeSimulator(robot);
        sim.reset(0);
        const q0 = sim.jointState().position;
        sim.advance(1000);
        const js = sim.jointState();
        assert.ok(maxAbsDiff(js.position, q0) < 1e-4, `drift ${maxAbsDiff(js.position, q0)} rad`);
        assert.ok(maxAbsDiff(js.velocity, new Float64Array(js.velocity.length)) < 1e-3);
        sim.dispose();
      });

      it('Cartesian impedance tracks a 10 cm step target to < 2 mm within 3 s', async () => {
        const sim = await makeSimulator(robot);
        sim.reset(0);
        const start = sim.eePose();
        const goal = [start.p[0] + 0.06, start.p[1] - 0.05, start.p[2] - 0.06];
        sim.setTargetPose(goal, start.q);
        sim.advance(3000);
        const ee = sim.eePose();
        const err = Math.hypot(ee.p[0] - goal[0], ee.p[1] - goal[1], ee.p[2] - goal[2]);
        assert.ok(err < 0.002, `position error ${(err * 1000).toFixed(2)} mm`);
        assert.ok(quatAngle(ee.q, start.q) < 0.01);
        sim.dispose();
      });
    });
  }

  it('determinism: the same seed gives bit-identical joint trajectories; another seed does not', async () => {
    const trajectory = async (seed: number) => {
      const sim = await makeSimulator('fr3', { seed, episode: { task: 'push_left', object: 'random' } });
      const rows: number[] = [];
      runEpisode(sim, 'expert', { maxTime: 2, onTick: (t) => rows.push(...t.jointPositions, ...t.target.p) });
      const state = sim.physics.state();
      sim.dispose();
      return { rows, qpos: Array.from(state.qpos) };
    };
    const a = await trajectory(11);
    const b = await trajectory(11);
    const c = await trajectory(12);
    assert.ok(a.rows.length > 100);
    assert.deepEqual(a.rows, b.rows, 'joint trajectories identical');
    assert.deepEqual(a.qpos, b.qpos, 'full state identical (objects included)');
    assert.notDeepEqual(a.qpos, c.qpos);
  });

  it('joint impedance: target_joint is read by index and reached', async () => {
    const sim = await makeSimulator('ur5e', { controller: 'joint_impedance_controller' });
    sim.reset(0);
    const goal = sim.facts.home.map((h, i) => h + (i % 2 === 0 ? 0.15 : -0.1));
    sim.setTargetJoint(goal);
    sim.advance(4000);
    const q = sim.jointState().position;
    assert.ok(maxAbsDiff(q, goal) < 0.02, `joint error ${maxAbsDiff(q, goal)} rad`);
    sim.dispose();
  });

  it('switching controllers activates the new one where the arm is (nothing moves)', async () => {
    const sim = await makeSimulator('fr3');
    sim.reset(0);
    const s = sim.eePose();
    sim.setTargetPose([s.p[0] + 0.05, s.p[1], s.p[2]], s.q);
    sim.advance(1500);
    const before = sim.jointState().position;
    sim.switchController('joint_impedance_controller');
    sim.advance(500);
    assert.ok(maxAbsDiff(sim.jointState().position, before) < 0.01);
    sim.dispose();
  });
});
