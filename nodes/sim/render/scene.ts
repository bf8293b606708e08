// What the simulator's renderer draws: primitive shapes with poses and colours (what MuJoCo's
// geoms are), seen by pinhole cameras in ROS's optical frame convention. Shared contract of the
// renderer (render/) and the simulator that fills it from MuJoCo's state every frame.

export type Vec3 = [number, number, number];
/** Unit quaternion, x y z w (ROS order). */
export type Quat = [number, number, number, number];

export interface Pose {
  position: Vec3;
  orientation: Quat;
}

/** Linear RGB in [0, 1]. */
export type Colour = [number, number, number];

interface Shape {
  /** Pose of the shape's centre in the world frame. */
  pose: Pose;
  colour: Colour;
}

/** Axis-aligned in its own frame; halfSize along local x, y, z [m]. */
export interface BoxShape extends Shape {
  kind: 'box';
  halfSize: Vec3;
}

export interface SphereShape extends Shape {
  kind: 'sphere';
  radius: number;
}

/** Along the local z axis: a cylinder of halfLength with hemispherical caps. */
export interface CapsuleShape extends Shape {
  kind: 'capsule';
  radius: number;
  halfLength: number;
}

/** Along the local z axis, flat caps. */
export interface CylinderShape extends Shape {
  kind: 'cylinder';
  radius: number;
  halfLength: number;
}

/** A finite rectangle in its local x-y plane, facing +z. */
export interface PlaneShape extends Shape {
  kind: 'plane';
  halfSize: [number, number];
}

export type Primitive = BoxShape | SphereShape | CapsuleShape | CylinderShape | PlaneShape;

/**
 * A pinhole camera. The pose is the optical frame's (ROS REP 103 / camera_info convention:
 * z forward along the optical axis, x right, y down in the image), in the world frame.
 */
export interface CameraModel {
  width: number;
  height: number;
  /** Focal lengths and principal point [px], as in sensor_msgs/CameraInfo K. */
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  pose: Pose;
  /** Clipping distances [m]. */
  near: number;
  far: number;
}

export interface Lighting {
  /** Direction the light travels, in the world frame (need not be normalised). */
  direction: Vec3;
  /** Ambient fraction in [0, 1]; the rest is Lambertian from `direction`. */
  ambient: number;
  /** Background colour where nothing is hit. */
  background: Colour;
}
