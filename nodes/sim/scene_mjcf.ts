// The simulated workcell as MJCF, generated from the robot facts: the arm (arm_models.ts) on a
// table whose top is the base frame's z = 0 plane (crisp_gym's min_z 0.0), four coloured objects
// with free joints, and a floor for the cameras. 1 ms timestep, implicit-fast integration,
// MuJoCo's default pyramidal friction cones (with elliptic cones the UR5e's fingers chattered on
// a squeezed cube and spat it out). The XML is plain text: dump it to look at the scene in
// MuJoCo's own viewer.

import { armModel, type ArmModel, type BodySpec, type GeomSpec, type Rgba, type Vec3 } from './arm_models.js';
import type { SimRobotFacts } from './robot_facts.js';

export const OBJECT_COLOURS = ['red', 'blue', 'green', 'yellow'] as const;
export type ObjectColour = (typeof OBJECT_COLOURS)[number];

export interface SceneObjectSpec {
  colour: ObjectColour;
  /** What instructions call it. */
  noun: 'cube' | 'block';
  /** Half extents [m]. */
  halfSize: Vec3;
  /** [kg] */
  mass: number;
  rgba: Rgba;
}

/** Linear-RGB colours (what the renderer expects), saturated enough to tell apart under shading. */
export const SCENE_OBJECTS: readonly SceneObjectSpec[] = Object.freeze([
  { colour: 'red', noun: 'cube', halfSize: [0.025, 0.025, 0.025], mass: 0.1, rgba: [0.8, 0.05, 0.04, 1] },
  { colour: 'blue', noun: 'block', halfSize: [0.035, 0.022, 0.022], mass: 0.09, rgba: [0.04, 0.12, 0.8, 1] },
  { colour: 'green', noun: 'cube', halfSize: [0.02, 0.02, 0.02], mass: 0.06, rgba: [0.05, 0.6, 0.08, 1] },
  { colour: 'yellow', noun: 'block', halfSize: [0.03, 0.02, 0.025], mass: 0.08, rgba: [0.85, 0.7, 0.03, 1] },
] as SceneObjectSpec[]);

export function objectSpec(colour: ObjectColour): SceneObjectSpec {
  return SCENE_OBJECTS.find((o) => o.colour === colour)!;
}

export const TABLE = Object.freeze({
  centre: [0.45, 0, -0.02] as Vec3,
  halfSize: [0.6, 0.7, 0.02] as Vec3,
  rgba: [0.55, 0.42, 0.3, 1] as Rgba,
});
export const FLOOR_Z = -0.75;

export const PHYSICS_TIMESTEP = 0.001;

export interface Scene {
  xml: string;
  arm: ArmModel;
  objects: readonly SceneObjectSpec[];
}

const fmt = (x: number) => {
  const s = Number(x.toPrecision(12)).toString();
  return s === '-0' ? '0' : s;
};
const vec = (v: readonly number[]) => v.map(fmt).join(' ');

const COLLISION_ATTRS: Record<GeomSpec['collision'], string> = {
  // robot ↔ env only (arm links never collide with each other): (2 & 1) | (2 & 1) = 0
  robot: 'contype="2" conaffinity="1"',
  env: 'contype="1" conaffinity="3"',
  none: 'contype="0" conaffinity="0"',
};

function geomXml(g: GeomSpec, indent: string): string {
  const a: string[] = [`type="${g.type}"`];
  if (g.name !== undefined) a.unshift(`name="${g.name}"`);
  if (g.fromto !== undefined) a.push(`fromto="${vec(g.fromto)}"`);
  a.push(`size="${vec(g.size)}"`);
  if (g.pos !== undefined) a.push(`pos="${vec(g.pos)}"`);
  if (g.quat !== undefined) a.push(`quat="${vec(g.quat)}"`);
  a.push(`rgba="${vec(g.rgba)}"`);
  a.push(g.mass > 0 ? `mass="${fmt(g.mass)}"` : 'mass="0"');
  a.push(COLLISION_ATTRS[g.collision]);
  if (g.friction !== undefined) a.push(`friction="${vec(g.friction)}"`);
  if (g.condim !== undefined) a.push(`condim="${g.condim}"`);
  // Decorations: group 1 (MuJoCo viewers can hide them); everything is drawn by our renderer.
  if (g.collision === 'none') a.push('group="1"');
  return `${indent}<geom ${a.join(' ')}/>`;
}

function bodyXml(b: BodySpec, indent: string): string {
  const attrs = [`name="${b.name}"`, `pos="${vec(b.pos)}"`];
  if (b.quat !== undefined) attrs.push(`quat="${vec(b.quat)}"`);
  const lines = [`${indent}<body ${attrs.join(' ')}>`];
  const inner = indent + '  ';
  if (b.joint !== undefined) {
    const j = b.joint;
    lines.push(
      `${inner}<joint name="${j.name}" type="${j.type}" axis="${vec(j.axis)}" range="${vec(j.range)}" limited="true" ` +
        `armature="${fmt(j.armature)}" damping="${fmt(j.damping)}"/>`,
    );
  }
  for (const g of b.geoms) lines.push(geomXml(g, inner));
  for (const s of b.sites) {
    lines.push(`${inner}<site name="${s.name}" pos="${vec(s.pos)}"${s.quat ? ` quat="${vec(s.quat)}"` : ''} size="0.005"/>`);
  }
  for (const c of b.children) lines.push(bodyXml(c, inner));
  lines.push(`${indent}</body>`);
  return lines.join('\n');
}

/** Objects start parked in a row at the back of the table; every episode places them. */
function objectXml(o: SceneObjectSpec, index: number): string {
  const pos: Vec3 = [-0.1, -0.4 + index * 0.1, o.halfSize[2]];
  return [
    `    <body name="object_${o.colour}" pos="${vec(pos)}">`,
    `      <freejoint name="object_${o.colour}"/>`,
    `      <geom name="object_${o.colour}" type="box" size="${vec(o.halfSize)}" rgba="${vec(o.rgba)}" mass="${fmt(o.mass)}" ` +
      `${COLLISION_ATTRS.env} friction="0.8 0.01 0.0001" condim="4"/>`,
    `    </body>`,
  ].join('\n');
}

export function buildScene(facts: SimRobotFacts): Scene {
  const arm = armModel(facts);
  const objects = SCENE_OBJECTS;
  const xml = [
    `<mujoco model="vla_ros_${facts.name}_workcell">`,
    `  <compiler angle="radian" autolimits="true"/>`,
    `  <option timestep="${fmt(PHYSICS_TIMESTEP)}" integrator="implicitfast"/>`,
    `  <size memory="8M"/>`,
    `  <worldbody>`,
    `    <geom name="table" type="box" pos="${vec(TABLE.centre)}" size="${vec(TABLE.halfSize)}" rgba="${vec(TABLE.rgba)}" ` +
      `${COLLISION_ATTRS.env} friction="0.5 0.005 0.0001"/>`,
    `    <geom name="floor" type="plane" pos="0 0 ${fmt(FLOOR_Z)}" size="3 3 0.1" rgba="0.32 0.33 0.35 1" ${COLLISION_ATTRS.none} group="1"/>`,
    bodyXml(arm.root, '    '),
    ...objects.map(objectXml),
    `  </worldbody>`,
    `</mujoco>`,
    '',
  ].join('\n');
  return { xml, arm, objects };
}
