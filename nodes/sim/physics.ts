// The physics of the workcell: one MuJoCo model + data, and the typed reads and writes the
// simulator needs (arm and finger state, site poses, object poses, contacts, geoms for the
// renderer). One `step(tauArm, fingerForce)` = one 1 ms step, split as MuJoCo's control pattern
// wants: mj_step1 (positions, velocities, qfrc_bias at the CURRENT state), then the commanded
// efforts plus the "hardware" compensation of qfrc_bias, then mj_step2 (integration).
//
// Gravity: a real Franka compensates gravity in its firmware, and CRISP on a UR adds a gravity
// term itself; in both cases the control law's torque acts on an arm that does not sag. The
// simulated hardware therefore adds MuJoCo's qfrc_bias (gravity + Coriolis/centrifugal) to
// every arm and finger joint, so the law sees a gravity-free arm, as CRISP does on the robot.

import { PHYSICS_TIMESTEP, buildScene, type ObjectColour, type Scene } from './scene_mjcf.js';
import { compileModel, f64, i32, loadMujoco, objectId, type MjData, type MjModel, type Mujoco } from './mujoco.js';
import type { SimRobotFacts } from './robot_facts.js';
import type { Vec3 } from './arm_models.js';

/** Quaternion x y z w (ROS order). */
export type XyzwQuat = [number, number, number, number];

export interface BodyPose {
  p: Vec3;
  /** x y z w */
  q: XyzwQuat;
}

export interface GeomSnapshot {
  /** MuJoCo geom type: 2 sphere, 3 capsule, 5 cylinder, 6 box, 0 plane. */
  type: number;
  size: [number, number, number];
  pos: Vec3;
  /** Row-major rotation matrix. */
  mat: number[];
  rgba: [number, number, number, number];
  body: number;
}

interface ObjectIndex {
  colour: ObjectColour;
  body: number;
  geom: number;
  qpos: number;
  dof: number;
}

/** MuJoCo quaternion (w x y z) → ROS order. */
function toXyzw(w: number, x: number, y: number, z: number): XyzwQuat {
  return [x, y, z, w];
}

export class Physics {
  readonly dof: number;
  readonly timestep = PHYSICS_TIMESTEP;
  readonly scene: Scene;
  private readonly armQpos: Int32Array;
  private readonly armDof: Int32Array;
  private readonly fingerQpos: Int32Array;
  private readonly fingerDof: Int32Array;
  private readonly objects: ObjectIndex[];
  private readonly eeSite: number;
  private readonly gripSite: number;
  private readonly wristBody: number;
  private readonly gripperBodies: Set<number>;
  private readonly fingerBodies: Set<number>;
  private readonly jacp: ReturnType<Mujoco['DoubleBuffer']['FromArray']>;
  private readonly jacr: ReturnType<Mujoco['DoubleBuffer']['FromArray']>;
  /** Cartesian force on the hand body (failure injection: a virtual wall), world frame [N]. */
  private readonly handForce = new Float64Array(3);
  /** Steps since construction. */
  steps = 0;

  private constructor(
    private readonly mj: Mujoco,
    private readonly model: MjModel,
    private readonly data: MjData,
    scene: Scene,
    facts: SimRobotFacts,
  ) {
    this.scene = scene;
    const arm = scene.arm;
    this.dof = facts.jointNames.length;
    const jointAdr = (name: string) => {
      const id = objectId(mj, model, 'joint', name);
      return { qpos: i32(model.jnt_qposadr)[id], dof: i32(model.jnt_dofadr)[id] };
    };
    const armJ = facts.jointNames.map(jointAdr);
    this.armQpos = Int32Array.from(armJ.map((j) => j.qpos));
    this.armDof = Int32Array.from(armJ.map((j) => j.dof));
    const fingerJ = arm.fingerJoints.map(jointAdr);
    this.fingerQpos = Int32Array.from(fingerJ.map((j) => j.qpos));
    this.fingerDof = Int32Array.from(fingerJ.map((j) => j.dof));
    this.objects = scene.objects.map((o) => {
      const j = jointAdr(`object_${o.colour}`);
      return {
        colour: o.colour,
        body: objectId(mj, model, 'body', `object_${o.colour}`),
        geom: objectId(mj, model, 'geom', `object_${o.colour}`),
        qpos: j.qpos,
        dof: j.dof,
      };
    });
    this.eeSite = objectId(mj, model, 'site', arm.eeSite);
    this.gripSite = objectId(mj, model, 'site', arm.gripSite);
    this.wristBody = objectId(mj, model, 'body', arm.wristCameraBody);
    this.gripperBodies = new Set(arm.gripperBodies.map((b) => objectId(mj, model, 'body', b)));
    const jntBody = i32(model.jnt_bodyid);
    this.fingerBodies = new Set(arm.fingerJoints.map((name) => jntBody[objectId(mj, model, 'joint', name)]));
    this.jacp = new mj.DoubleBuffer(3 * model.nv);
    this.jacr = new mj.DoubleBuffer(3 * model.nv);
  }

  static async create(facts: SimRobotFacts): Promise<Physics> {
    const mj = await loadMujoco();
    const scene = buildScene(facts);
    const model = compileModel(mj, scene.xml);
    const data = new mj.MjData(model);
    const physics = new Physics(mj, model, data, scene, facts);
    physics.setArm(facts.home);
    return physics;
  }

  /** Simulated time of the physics [s] (since construction; resets do not rewind it). */
  get time(): number {
    return this.data.time;
  }

  /** Arm joint positions and velocities, controller order. */
  readArm(q: Float64Array, dq: Float64Array): void {
    const qpos = f64(this.data.qpos);
    const qvel = f64(this.data.qvel);
    for (let i = 0; i < this.dof; i++) {
      q[i] = qpos[this.armQpos[i]];
      dq[i] = qvel[this.armDof[i]];
    }
  }

  /** Efforts applied by the last step (commanded, without the hardware's bias compensation) [Nm]. */
  readonly lastEffort = new Float64Array(16);

  /** Teleports the arm (zero velocity) and opens nothing: fingers keep their opening. */
  setArm(q: readonly number[]): void {
    const qpos = f64(this.data.qpos);
    const qvel = f64(this.data.qvel);
    for (let i = 0; i < this.dof; i++) {
      qpos[this.armQpos[i]] = q[i];
      qvel[this.armDof[i]] = 0;
    }
    this.mj.mj_forward(this.model, this.data);
  }

  /** Finger openings [m] (each finger's travel; the gripper opening is their sum). */
  readFingers(pos: Float64Array, vel: Float64Array): void {
    const qpos = f64(this.data.qpos);
    const qvel = f64(this.data.qvel);
    for (let i = 0; i < 2; i++) {
      pos[i] = qpos[this.fingerQpos[i]];
      vel[i] = qvel[this.fingerDof[i]];
    }
  }

  setFingers(opening: number): void {
    const qpos = f64(this.data.qpos);
    const qvel = f64(this.data.qvel);
    for (let i = 0; i < 2; i++) {
      qpos[this.fingerQpos[i]] = opening / 2;
      qvel[this.fingerDof[i]] = 0;
    }
    this.mj.mj_forward(this.model, this.data);
  }

  /**
   * One physics step with `tau` on the arm joints and `fingerForce` on each finger [N] (positive
   * opens), both on top of the hardware's qfrc_bias compensation.
   */
  step(tau: ArrayLike<number>, fingerForce: ArrayLike<number>): void {
    const { mj, model, data } = this;
    mj.mj_step1(model, data);
    const bias = f64(data.qfrc_bias);
    const applied = f64(data.qfrc_applied);
    for (let i = 0; i < this.dof; i++) {
      applied[this.armDof[i]] = tau[i] + bias[this.armDof[i]];
      this.lastEffort[i] = tau[i];
    }
    for (let i = 0; i < 2; i++) applied[this.fingerDof[i]] = fingerForce[i] + bias[this.fingerDof[i]];
    const xfrc = f64(data.xfrc_applied);
    const h = this.wristBody * 6;
    xfrc[h] = this.handForce[0];
    xfrc[h + 1] = this.handForce[1];
    xfrc[h + 2] = this.handForce[2];
    mj.mj_step2(model, data);
    this.steps++;
  }

  /** A constant force on the hand [N, world frame] until changed (zero: none). */
  setHandForce(f: ArrayLike<number>): void {
    this.handForce[0] = f[0];
    this.handForce[1] = f[1];
    this.handForce[2] = f[2];
  }

  private sitePose(site: number): { p: Vec3; R: Float64Array } {
    const p = f64(this.data.site_xpos);
    const m = f64(this.data.site_xmat);
    return { p: [p[3 * site], p[3 * site + 1], p[3 * site + 2]], R: m.slice(9 * site, 9 * site + 9) };
  }

  /** The controller's end-effector frame (robot.ee_frame) in the base frame: position and row-major R. */
  eeFrame(): { p: Vec3; R: Float64Array } {
    return this.sitePose(this.eeSite);
  }

  /** The point between the fingertips, base frame. */
  gripPoint(): Vec3 {
    return this.sitePose(this.gripSite).p;
  }

  /** World pose of a body (the wrist camera's mount). */
  bodyPose(body: number): BodyPose {
    const p = f64(this.data.xpos);
    const q = f64(this.data.xquat);
    return {
      p: [p[3 * body], p[3 * body + 1], p[3 * body + 2]],
      q: toXyzw(q[4 * body], q[4 * body + 1], q[4 * body + 2], q[4 * body + 3]),
    };
  }

  get wristCameraBody(): number {
    return this.wristBody;
  }

  /** The end-effector site's Jacobian (6 × dof, rows vx vy vz ωx ωy ωz, world frame), from MuJoCo. */
  eeJacobian(out: Float64Array): Float64Array {
    this.mj.mj_jacSite(this.model, this.data, this.jacp, this.jacr, this.eeSite);
    const nv = this.model.nv;
    const jp = f64(this.jacp.GetView());
    const jr = f64(this.jacr.GetView());
    const n = this.dof;
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < n; i++) {
        out[r * n + i] = jp[r * nv + this.armDof[i]];
        out[(r + 3) * n + i] = jr[r * nv + this.armDof[i]];
      }
    }
    return out;
  }

  objectPose(colour: ObjectColour): BodyPose {
    const o = this.objects.find((x) => x.colour === colour)!;
    const qpos = f64(this.data.qpos);
    const a = o.qpos;
    return { p: [qpos[a], qpos[a + 1], qpos[a + 2]], q: toXyzw(qpos[a + 3], qpos[a + 4], qpos[a + 5], qpos[a + 6]) };
  }

  /** Linear speed of an object [m/s]. */
  objectSpeed(colour: ObjectColour): number {
    const o = this.objects.find((x) => x.colour === colour)!;
    const qvel = f64(this.data.qvel);
    return Math.hypot(qvel[o.dof], qvel[o.dof + 1], qvel[o.dof + 2]);
  }

  /** Teleports an object (at rest). Call `forward()` after the last change. */
  setObjectPose(colour: ObjectColour, pose: BodyPose): void {
    const o = this.objects.find((x) => x.colour === colour)!;
    const qpos = f64(this.data.qpos);
    const qvel = f64(this.data.qvel);
    const a = o.qpos;
    qpos[a] = pose.p[0];
    qpos[a + 1] = pose.p[1];
    qpos[a + 2] = pose.p[2];
    qpos[a + 3] = pose.q[3];
    qpos[a + 4] = pose.q[0];
    qpos[a + 5] = pose.q[1];
    qpos[a + 6] = pose.q[2];
    for (let k = 0; k < 6; k++) qvel[o.dof + k] = 0;
  }

  /** Recomputes positions, sites and contacts after teleports. */
  forward(): void {
    this.mj.mj_forward(this.model, this.data);
  }

  /** Zeroes every velocity and the warm start (after a reset). */
  settle(): void {
    f64(this.data.qvel).fill(0);
    f64(this.data.qacc_warmstart).fill(0);
    f64(this.data.qfrc_applied).fill(0);
    f64(this.data.xfrc_applied).fill(0);
    this.mj.mj_forward(this.model, this.data);
  }

  /** Contacts of the last step between the gripper (hand, fingers) and an object, and how many fingers touch it. */
  gripperContacts(colour: ObjectColour): { any: boolean; fingers: number } {
    const o = this.objects.find((x) => x.colour === colour)!;
    const bodyOf = i32(this.model.geom_bodyid);
    const contacts = this.data.contact;
    let any = false;
    const touchedFingers = new Set<number>();
    try {
      const n = this.data.ncon;
      for (let i = 0; i < n; i++) {
        const c = contacts.get(i);
        if (c === undefined) continue;
        const g1 = c.geom1;
        const g2 = c.geom2;
        c.delete();
        const other = g1 === o.geom ? g2 : g2 === o.geom ? g1 : -1;
        if (other < 0) continue;
        const b = bodyOf[other];
        if (this.gripperBodies.has(b)) any = true;
        if (this.fingerBodies.has(b)) touchedFingers.add(b);
      }
    } finally {
      contacts.delete();
    }
    return { any, fingers: touchedFingers.size };
  }

  /** Geoms as the renderer needs them (positions and orientations of the last step). */
  geoms(): GeomSnapshot[] {
    const m = this.model;
    const d = this.data;
    const type = i32(m.geom_type);
    const size = f64(m.geom_size);
    const rgba = f32(m.geom_rgba);
    const body = i32(m.geom_bodyid);
    const xpos = f64(d.geom_xpos);
    const xmat = f64(d.geom_xmat);
    const out: GeomSnapshot[] = [];
    for (let g = 0; g < m.ngeom; g++) {
      out.push({
        type: type[g],
        size: [size[3 * g], size[3 * g + 1], size[3 * g + 2]],
        pos: [xpos[3 * g], xpos[3 * g + 1], xpos[3 * g + 2]],
        mat: Array.from(xmat.subarray(9 * g, 9 * g + 9)),
        rgba: [rgba[4 * g], rgba[4 * g + 1], rgba[4 * g + 2], rgba[4 * g + 3]],
        body: body[g],
      });
    }
    return out;
  }

  /** Every position and velocity (for determinism checks and snapshots). */
  state(): { qpos: Float64Array; qvel: Float64Array; time: number } {
    return { qpos: f64(this.data.qpos).slice(), qvel: f64(this.data.qvel).slice(), time: this.data.time };
  }

  dispose(): void {
    this.jacp.delete();
    this.jacr.delete();
    this.data.delete();
    this.model.delete();
  }
}

function f32(view: unknown): Float32Array {
  return view as Float32Array;
}
