// nodes/robots: rotation conversions, FK against known poses, the Jacobian against finite
// differences, DLS IK, and the kinematic arm model used to close the loop.

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { KinematicArm } from '../../nodes/robots/kinematic_arm.js';
import { frankaChain, kinematicsFor, urChain } from '../../nodes/robots/robot_models.js';
import {
  matrixFromQuat,
  quatAngle,
  quatFromEulerXyz,
  quatFromMatrix,
  quatFromRotationVector,
  quatMultiply,
  quatToEulerXyz,
  quatToRotationVector,
  rotateVector,
  slerp,
  type Quat,
} from '../../nodes/robots/rotation.js';
import { robotFixture } from './helpers.js';

const close = (a: readonly number[], b: readonly number[], tol: number, what = '') =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${what}[${i}]: ${v} vs ${b[i]} (tol ${tol})`));

const angle = fc.double({ min: -Math.PI + 1e-3, max: Math.PI - 1e-3, noNaN: true });

describe('robots: rotations', () => {
  it('euler_xyz is extrinsic x-y-z (R = Rz·Ry·Rx), as scipy "xyz" and ROS RPY', () => {
    // 90° about x then 90° about base z: base x axis → base y, base y → base z.
    const q = quatFromEulerXyz(Math.PI / 2, 0, Math.PI / 2);
    close(rotateVector(q, [1, 0, 0]), [0, 1, 0], 1e-12, 'x');
    close(rotateVector(q, [0, 1, 0]), [0, 0, 1], 1e-12, 'y');
    const composed = quatMultiply(quatFromEulerXyz(0, 0, 0.3), quatMultiply(quatFromEulerXyz(0, 0.2, 0), quatFromEulerXyz(0.1, 0, 0)));
    assert.ok(quatAngle(composed, quatFromEulerXyz(0.1, 0.2, 0.3)) < 1e-12);
  });

  it('round-trips euler, rotation vectors and matrices (property)', () => {
    fc.assert(
      fc.property(angle, fc.double({ min: -1.5, max: 1.5, noNaN: true }), angle, (r, p, y) => {
        const q = quatFromEulerXyz(r, p, y);
        close(quatToEulerXyz(q), [r, p, y], 1e-9, 'euler');
        const rv = quatToRotationVector(q);
        assert.ok(quatAngle(quatFromRotationVector(rv[0], rv[1], rv[2]), q) < 1e-9);
        assert.ok(quatAngle(quatFromMatrix(matrixFromQuat(q)), q) < 1e-9);
      }),
    );
  });

  it('slerps along the shorter arc at constant angular speed', () => {
    const a: Quat = [0, 0, 0, 1];
    const b = quatFromEulerXyz(0, 0, 2);
    const neg = b.map((v) => -v);
    for (const t of [0, 0.25, 0.5, 1]) {
      const s = Array.from(slerp(a, neg, t));
      assert.ok(Math.abs(quatAngle(a, s) - 2 * t) < 1e-9, `t=${t}`);
    }
  });
});

describe('robots: kinematics', () => {
  it('FR3 ready pose: hand TCP at (0.3069, 0, 0.4869) pointing down, flange 0.1034 m above it', () => {
    const ready = [0, -Math.PI / 4, 0, (-3 * Math.PI) / 4, 0, Math.PI / 2, Math.PI / 4];
    const tcp = frankaChain('fr3').pose(ready);
    close(tcp.p, [0.30689, 0, 0.48688], 1e-4, 'tcp');
    assert.ok(quatAngle(tcp.q, [1, 0, 0, 0]) < 1e-9, 'TCP z points down, x along base x');
    const flange = frankaChain('fr3', 'flange').pose(ready);
    close(flange.p, [0.30689, 0, 0.48688 + 0.1034], 1e-4, 'flange');
    // All joints zero: the arm stands up, flange at a7 = 0.088 ahead, z = 0.333+0.316+0.384−0.107.
    close(frankaChain('fr3', 'flange').pose([0, 0, 0, 0, 0, 0, 0]).p, [0.088, 0, 0.926], 1e-9, 'zero');
  });

  it('UR5e / UR10e zero pose: tool0 at (−a2−a3, d4+d6, d1−d5) in base_link (DH base turned by π)', () => {
    close(urChain('ur5e').pose([0, 0, 0, 0, 0, 0]).p, [0.8172, 0.2329, 0.0628], 1e-9, 'ur5e');
    close(urChain('ur10e').pose([0, 0, 0, 0, 0, 0]).p, [1.18425, 0.2907, 0.06085], 1e-9, 'ur10e');
  });

  it('knows fr3, panda, ur5e, ur10e and says so for anything else', () => {
    assert.ok(kinematicsFor('fr3', 'fr3_hand_tcp'));
    assert.ok(kinematicsFor('panda', 'panda_hand_tcp'));
    assert.ok(kinematicsFor('ur5e', 'tool0'));
    assert.ok(kinematicsFor('ur10e', 'tool0'));
    assert.equal(kinematicsFor('iiwa', 'lbr_link_ee'), undefined);
    assert.equal(kinematicsFor('ur5e', 'gripper_tip'), undefined);
  });

  for (const name of ['fr3', 'ur5e'] as const) {
    it(`${name}: the geometric Jacobian matches finite differences of FK (property)`, () => {
      const { chain, facts } = robotFixture(name);
      const q = fc.tuple(...facts.positionMin.map((lo, i) => fc.double({ min: lo + 0.1, max: facts.positionMax[i] - 0.1, noNaN: true })));
      fc.assert(
        fc.property(q, (q0) => {
          const J = Float64Array.from(chain.jacobian(q0));
          const n = chain.dof;
          const h = 1e-6;
          for (let k = 0; k < n; k++) {
            const qp = [...q0];
            qp[k] += h;
            const a = chain.pose(q0);
            const b = chain.pose(qp);
            const dp = [0, 1, 2].map((i) => (b.p[i] - a.p[i]) / h);
            const dw = quatToRotationVector(quatMultiply(b.q, [-a.q[0], -a.q[1], -a.q[2], a.q[3]])).map((v) => v / h);
            close(dp, [J[k], J[n + k], J[2 * n + k]], 1e-5, `v col ${k}`);
            close(dw, [J[3 * n + k], J[4 * n + k], J[5 * n + k]], 1e-5, `w col ${k}`);
          }
        }),
        { numRuns: 30 },
      );
    });

    it(`${name}: damped-least-squares IK reaches a reachable pose from a nearby seed`, () => {
      const { chain, home } = robotFixture(name);
      const goalQ = home.map((v, i) => v + 0.3 * Math.sin(i + 1));
      const goal = chain.pose(goalQ);
      const { error } = chain.solveIk(home, goal, { iterations: 100 });
      assert.ok(error.position < 1e-5 && error.rotation < 1e-4, JSON.stringify(error));
    });
  }

  it('the kinematic arm follows a pose target within joint velocity limits and stops at its joint limits', () => {
    const { chain, facts, home } = robotFixture('fr3');
    const arm = new KinematicArm(
      chain,
      { positionMin: facts.positionMin, positionMax: facts.positionMax, velocityMax: facts.velocityMax },
      home,
    );
    const start = arm.pose();
    const goal = {
      p: [start.p[0] + 0.1, start.p[1] - 0.1, start.p[2] + 0.05] as [number, number, number],
      q: quatMultiply(quatFromEulerXyz(0, 0, 0.3), start.q),
    };
    arm.commandPose(goal);
    let maxSpeed = 0;
    for (let i = 0; i < 2000; i++) {
      arm.step(0.001);
      arm.qd.forEach((v, j) => (maxSpeed = Math.max(maxSpeed, Math.abs(v) / facts.velocityMax[j])));
    }
    const reached = arm.pose();
    assert.ok(Math.hypot(...reached.p.map((v, i) => v - goal.p[i])) < 1e-4);
    assert.ok(quatAngle(reached.q, goal.q) < 1e-3);
    assert.ok(maxSpeed <= 1 + 1e-12, `velocity limit: ${maxSpeed}`);

    arm.commandJoints(facts.positionMax.map((v) => v + 1));
    for (let i = 0; i < 5000; i++) arm.step(0.001);
    arm.q.forEach((v, j) => assert.ok(v <= facts.positionMax[j] + 1e-12));
    assert.ok(arm.stopHits > 0);
  });
});
