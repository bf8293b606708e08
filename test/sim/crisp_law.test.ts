// CRISP's control law against torques computed by hand, on arms whose kinematics are known in
// closed form: a 6-DoF "Cartesian" arm (J = I) and a 7-DoF one with one redundant joint (J = [I | 0]).

import { strict as assert } from 'node:assert';
import {
  CrispController,
  cartesianImpedanceDefaults,
  crispParamProblems,
  jointImpedanceDefaults,
  jointLimitTorque,
  type ArmKinematics,
  type CrispParams,
} from '../../nodes/sim/crisp_law.js';
import { DampedPseudoInverse } from '../../nodes/sim/linalg.js';
import { quatFromEulerXyz } from '../../nodes/robots/rotation.js';
import { mulberry32 } from '../../nodes/random/seeded_random.js';

/**
 * A fictitious arm: the first three joints translate the end effector along x, y, z from `origin`,
 * the next three are ignored by the pose (orientation `rotation`, fixed), and the Jacobian is the
 * identity on the first six joints; joint 7 (if any) moves nothing.
 */
class MockArm implements ArmKinematics {
  constructor(
    readonly dof: number,
    private readonly rotation: number[] = [1, 0, 0, 0, 1, 0, 0, 0, 1],
    private readonly origin: number[] = [0.4, 0, 0.3],
  ) {}
  transform(q: ArrayLike<number>): Float64Array {
    const R = this.rotation;
    return Float64Array.of(
      R[0],
      R[1],
      R[2],
      this.origin[0] + q[0],
      R[3],
      R[4],
      R[5],
      this.origin[1] + q[1],
      R[6],
      R[7],
      R[8],
      this.origin[2] + q[2],
      0,
      0,
      0,
      1,
    );
  }
  jacobian(): Float64Array {
    const J = new Float64Array(6 * this.dof);
    for (let r = 0; r < 6; r++) J[r * this.dof + r] = 1;
    return J;
  }
}

const LIMITS7 = { positionMin: new Array<number>(7).fill(-3), positionMax: new Array<number>(7).fill(3) };
const LIMITS6 = { positionMin: new Array<number>(6).fill(-3), positionMax: new Array<number>(6).fill(3) };

/**
 * CRISP's defaults with every filter and the torque-rate limit off, so one tick shows the raw law.
 * (CRISP's EMA weights: filter.target_pose/q/dq/q_ref weigh the OLD value, so 0 = no filter;
 * filter.output_torque weighs the NEW torque, so 1 = no filter.)
 */
function raw(dof: number, edit?: (p: CrispParams) => void): CrispParams {
  const p = cartesianImpedanceDefaults(dof);
  p.filter = { target_pose: 0, q: 0, dq: 0, q_ref: 0, output_torque: 1 };
  p.limit_torques = false;
  edit?.(p);
  return p;
}

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-9, what = 'torque'): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}[${i}] = ${actual[i]}, expected ${expected[i]} (all: ${Array.from(actual)
        .map((x) => x.toFixed(6))
        .join(', ')})`,
    );
  }
}

describe('CRISP control law (hand-computed torques)', () => {
  it('task torque: τ = Jᵀ·K·e with the position error clipped to 0.1 m and a 0.3 rad yaw error', () => {
    const law = new CrispController(new MockArm(6), LIMITS6, raw(6));
    const zero = new Float64Array(6);
    law.activate(zero, zero);
    // Target: +5 cm x, −2 cm y, +20 cm z (clipped to 10 cm), turned 0.3 rad about z.
    law.setTargetPose([0.45, -0.02, 0.5], quatFromEulerXyz(0, 0, 0.3));
    const tau = law.update(zero, zero, new Float64Array(6));
    // K = 500 N/m, 30 Nm/rad: [500·0.05, 500·(−0.02), 500·0.1, 0, 0, 30·0.3]
    close(tau, [25, -10, 50, 0, 0, 9], 1e-6);
    close(law.terms.error, [0.05, -0.02, 0.1, 0, 0, 0.3], 1e-12, 'error');
  });

  it('damping: D = 2·sqrt(K) when d = −1, τ = −Jᵀ·D·J·dq; an explicit d is used as is', () => {
    const law = new CrispController(new MockArm(6), LIMITS6, raw(6));
    const zero = new Float64Array(6);
    law.activate(zero, zero);
    const dq = Float64Array.of(0.1, 0, 0, 0, 0, 0.2);
    const tau = law.update(zero, dq, new Float64Array(6));
    close(tau, [-2 * Math.sqrt(500) * 0.1, 0, 0, 0, 0, -2 * Math.sqrt(30) * 0.2], 1e-9);

    const law2 = new CrispController(
      new MockArm(6),
      LIMITS6,
      raw(6, (p) => ((p.task.d_pos_x = 10), (p.task.d_rot_z = 3))),
    );
    law2.activate(zero, zero);
    close(law2.update(zero, dq, new Float64Array(6)), [-1, 0, 0, 0, 0, -0.6], 1e-9);
  });

  it('target filter, torque-rate limit and output filter as CRISP chains them', () => {
    // filter.target_pose 0.1: desired = 0.9·target + 0.1·previous desired.
    const law = new CrispController(
      new MockArm(6),
      LIMITS6,
      raw(6, (p) => (p.filter.target_pose = 0.1)),
    );
    const zero = new Float64Array(6);
    law.activate(zero, zero);
    law.setTargetPose([0.45, 0, 0.3], [0, 0, 0, 1]);
    close(law.update(zero, zero, new Float64Array(6)), [500 * 0.045, 0, 0, 0, 0, 0], 1e-9);
    close(law.update(zero, zero, new Float64Array(6)), [500 * (0.9 * 0.05 + 0.1 * 0.045), 0, 0, 0, 0, 0], 1e-9);

    // limit_torques (0.5 Nm/tick) then the output EMA 0.5: 0 → 0.5 → 0.25, then 0.25 → 0.75 → 0.5.
    const limited = new CrispController(
      new MockArm(6),
      LIMITS6,
      raw(6, (p) => ((p.limit_torques = true), (p.filter.output_torque = 0.5))),
    );
    limited.activate(zero, zero);
    limited.setTargetPose([0.45, 0, 0.3], [0, 0, 0, 1]);
    close(limited.update(zero, zero, new Float64Array(6)), [0.25, 0, 0, 0, 0, 0], 1e-12);
    close(limited.update(zero, zero, new Float64Array(6)), [0.5, 0, 0, 0, 0, 0], 1e-12);
  });

  it('state filters: q and dq are EMA-filtered before the law sees them', () => {
    const law = new CrispController(
      new MockArm(6),
      LIMITS6,
      raw(6, (p) => ((p.filter.q = 0.5), (p.filter.dq = 0.5))),
    );
    const zero = new Float64Array(6);
    law.activate(zero, zero);
    // Measured x = 0.02: filtered x = 0.01, error −0.01 → −5 N; measured ẋ = 0.2 → filtered 0.1 → −4.472 N.
    const tau = law.update(Float64Array.of(0.02, 0, 0, 0, 0, 0), Float64Array.of(0.2, 0, 0, 0, 0, 0), new Float64Array(6));
    close(tau, [-5 - 2 * Math.sqrt(500) * 0.1, 0, 0, 0, 0, 0], 1e-9);
  });

  it('nullspace: the kinematic projector passes only the redundant joint; stiffness, damping 2·sqrt(k), max_tau clip', () => {
    const law = new CrispController(new MockArm(7), LIMITS7, raw(7));
    const zero = new Float64Array(7);
    law.activate(zero, zero);
    // Joint 7 moved off the reference (it does not move the end effector) and turning.
    const q = Float64Array.of(0, 0, 0, 0, 0, 0, -0.2);
    const dq = Float64Array.of(0, 0, 0, 0, 0, 0, 0.05);
    const tau = law.update(q, dq, new Float64Array(7));
    // K_ns = 1·1, D_ns = 2·sqrt(1) = 2: τ7 = 1·0.2 − 2·0.05 = 0.1; N = diag(0,…,0,1) removes the rest.
    close(tau, [0, 0, 0, 0, 0, 0, 0.1], 1e-9);

    const stiff = new CrispController(
      new MockArm(7),
      LIMITS7,
      raw(7, (p) => (p.nullspace.stiffness = 100)),
    );
    stiff.activate(zero, zero);
    close(stiff.update(q, new Float64Array(7), new Float64Array(7)), [0, 0, 0, 0, 0, 0, 5], 1e-9); // 20 Nm → max_tau 5

    // target_joint is the nullspace reference, read by index.
    const ref = new CrispController(new MockArm(7), LIMITS7, raw(7));
    ref.activate(zero, zero);
    ref.setTargetJoint([0, 0, 0, 0, 0, 0, 0.3]);
    close(ref.update(zero, zero, new Float64Array(7)), [0, 0, 0, 0, 0, 0, 0.3], 1e-9);
  });

  it('the kinematic projector N = I − J⁺J is symmetric, idempotent and annihilated by J (random 6×7 Jacobians)', () => {
    const random = mulberry32(3);
    const pinv = new DampedPseudoInverse(6, 7);
    const Jp = new Float64Array(42);
    for (let trial = 0; trial < 20; trial++) {
      const J = Float64Array.from({ length: 42 }, () => random() * 2 - 1);
      pinv.compute(J, 1e-6, Jp);
      const N = new Float64Array(49);
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          let s = 0;
          for (let r = 0; r < 6; r++) s += Jp[i * 6 + r] * J[r * 7 + j];
          N[i * 7 + j] = (i === j ? 1 : 0) - s;
        }
      }
      for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) assert.ok(Math.abs(N[i * 7 + j] - N[j * 7 + i]) < 1e-9, 'symmetric');
      for (let r = 0; r < 6; r++) {
        for (let j = 0; j < 7; j++) {
          let s = 0;
          for (let k = 0; k < 7; k++) s += J[r * 7 + k] * N[k * 7 + j];
          assert.ok(Math.abs(s) < 1e-8, `J·N = 0 (got ${s})`);
        }
      }
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          let s = 0;
          for (let k = 0; k < 7; k++) s += N[i * 7 + k] * N[k * 7 + j];
          assert.ok(Math.abs(s - N[i * 7 + j]) < 1e-8, 'N² = N');
        }
      }
    }
  });

  it('joint-limit repulsion: up to max_torque, linear within safe_range, away from the limit', () => {
    const out = jointLimitTorque(
      [2.95, -2.97, 0, 2.999],
      { positionMin: [-3, -3, -3, -3], positionMax: [3, 3, 3, 3] },
      0.1,
      5,
      new Float64Array(4),
    );
    close(out, [-2.5, 3.5, 0, -4.95], 1e-9);
    // In the law it adds to the task torque.
    const law = new CrispController(new MockArm(6), LIMITS6, raw(6));
    const q = Float64Array.of(0, 0, 0, 0, 0, 2.95);
    law.activate(q, new Float64Array(6));
    close(law.update(q, new Float64Array(6), new Float64Array(6)), [0, 0, 0, 0, 0, -2.5], 1e-9);
  });

  it('use_local_jacobian: error and Jacobian in the end-effector frame (anisotropic stiffness shows it)', () => {
    // End effector turned +90° about z; a +5 cm world-x error is −5 cm along the local y axis.
    const Rz90 = [0, -1, 0, 1, 0, 0, 0, 0, 1];
    const zero = new Float64Array(6);
    const make = (local: boolean) => {
      const law = new CrispController(
        new MockArm(6, Rz90),
        LIMITS6,
        raw(6, (p) => ((p.task.k_pos_y = 100), (p.use_local_jacobian = local))),
      );
      law.activate(zero, zero);
      const t = law.targetPose;
      law.setTargetPose([t.p[0] + 0.05, t.p[1], t.p[2]], t.q);
      return law.update(zero, zero, new Float64Array(6));
    };
    close(make(false), [25, 0, 0, 0, 0, 0], 1e-9); // world: k_x = 500 acts on the x error
    close(make(true), [5, 0, 0, 0, 0, 0], 1e-9); // local: the error is along local y, k_y = 100
  });

  it('joint impedance (Cartesian gains 0, projector none): joint PD toward target_joint BY INDEX, clipped to max_tau', () => {
    const p = jointImpedanceDefaults(6);
    p.filter = { target_pose: 0.1, q: 0, dq: 0, q_ref: 0, output_torque: 1 };
    p.limit_torques = false;
    const law = new CrispController(new MockArm(6), LIMITS6, p);
    const zero = new Float64Array(6);
    law.activate(zero, zero);
    law.setTargetJoint([0.1, -0.05, 0, 0, 0, 1]);
    // K = 5·8 = 40 Nm/rad, D = 1·8 = 8 Nm·s/rad: 40·0.1 = 4, 40·(−0.05) = −2, 40·1 = 40 → 5.
    close(law.update(zero, Float64Array.of(0, 0.25, 0, 0, 0, 0), new Float64Array(6)), [4, -2 - 8 * 0.25, 0, 0, 0, 5], 1e-9);
  });

  it('refuses bad targets and bad parameters', () => {
    const law = new CrispController(new MockArm(6), LIMITS6, raw(6));
    law.activate(new Float64Array(6), new Float64Array(6));
    assert.equal(law.setTargetPose([0, 0, NaN], [0, 0, 0, 1]), false);
    assert.equal(law.setTargetPose([0, 0, 0], [0, 0, 0, 0]), false);
    assert.equal(law.setTargetJoint([0, NaN]), false);
    const bad = cartesianImpedanceDefaults(6);
    bad.task.k_pos_x = -1;
    bad.nullspace.weights = [1, 1];
    const problems = crispParamProblems(bad, 6);
    assert.ok(problems.some((m) => m.includes('k_pos_x')) && problems.some((m) => m.includes('weights')), problems.join('; '));
    assert.throws(() => new CrispController(new MockArm(6), LIMITS6, bad), /k_pos_x/);
  });

  it('costs a few microseconds per tick (7 DoF)', () => {
    const law = new CrispController(new MockArm(7), LIMITS7, cartesianImpedanceDefaults(7));
    const q = new Float64Array(7);
    law.activate(q, q);
    law.setTargetPose([0.5, 0.1, 0.2], quatFromEulerXyz(0.1, 0, 0.2));
    const tau = new Float64Array(7);
    for (let i = 0; i < 2000; i++) law.update(q, q, tau);
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) law.update(q, q, tau);
    const us = ((performance.now() - t0) / 5000) * 1000;
    assert.ok(us < 100, `${us.toFixed(1)} µs per tick`);
  });
});
