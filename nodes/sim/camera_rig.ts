// The simulator's cameras and what they see: MuJoCo's geoms as the renderer's primitives
// (render/scene.ts), a fixed scene camera looking at the workspace from the front, and a wrist
// camera fixed to the gripper. Names match the reference bundle's cameras ('scene', 'wrist').
// Rendering itself is behind `FrameRenderer`, so physics and control never depend on it.

import { quatFromMatrix } from '../robots/rotation.js';
import { attachedCamera, intrinsicsFromFov, lookAtCamera, type Intrinsics } from './render/camera.js';
import type { CameraModel, Lighting, Primitive, Quat, Vec3 } from './render/scene.js';
import type { GeomSnapshot, Physics } from './physics.js';
import type { SimRobot } from './robot_facts.js';
import type { Simulator } from './simulator.js';
import { taskRegion } from './tasks.js';

export const CAMERA_NAMES = ['scene', 'wrist'] as const;
export type CameraName = (typeof CAMERA_NAMES)[number];

/** Draws primitives as an rgb8 image (render/renderer.ts's Renderer has this shape). */
export interface FrameRenderer {
  render(shapes: readonly Primitive[], camera: CameraModel, lighting: Lighting, out?: Uint8Array): Uint8Array;
}

export interface CameraSize {
  width: number;
  height: number;
}

export const LIGHTING: Lighting = Object.freeze({
  direction: [-0.35, 0.25, -1],
  ambient: 0.38,
  background: [0.55, 0.64, 0.78],
}) as Lighting;

/** Optical frame ids (sensor_msgs/Image header.frame_id). */
/** Image size of the simulated cameras (the sim node's `cameras.<name>.width/height` default) [px]. */
export const SIM_CAMERA_SIZE = 256;

export const CAMERA_FRAMES: Record<CameraName, string> = { scene: 'scene_camera_optical_frame', wrist: 'wrist_camera_optical_frame' };

/** Vertical fields of view [deg]. */
const SCENE_FOVY = 45;
const WRIST_FOVY = 75;

export function primitivesFrom(geoms: readonly GeomSnapshot[]): Primitive[] {
  const out: Primitive[] = [];
  for (const g of geoms) {
    if (g.rgba[3] <= 0) continue;
    const q = quatFromMatrix(g.mat);
    const pose = { position: [...g.pos] as Vec3, orientation: [q[0], q[1], q[2], q[3]] as Quat };
    const colour: [number, number, number] = [g.rgba[0], g.rgba[1], g.rgba[2]];
    switch (g.type) {
      case 0:
        out.push({ kind: 'plane', pose, colour, halfSize: [g.size[0], g.size[1]] });
        break;
      case 2:
        out.push({ kind: 'sphere', pose, colour, radius: g.size[0] });
        break;
      case 3:
        out.push({ kind: 'capsule', pose, colour, radius: g.size[0], halfLength: g.size[1] });
        break;
      case 5:
        out.push({ kind: 'cylinder', pose, colour, radius: g.size[0], halfLength: g.size[1] });
        break;
      case 6:
        out.push({ kind: 'box', pose, colour, halfSize: [g.size[0], g.size[1], g.size[2]] });
        break;
      default:
        break;
    }
  }
  return out;
}

/** The cameras of one simulated workcell. */
export class CameraRig {
  private readonly intrinsics: Record<CameraName, Intrinsics>;
  private readonly sceneCamera: CameraModel;

  constructor(
    private readonly physics: Physics,
    robot: SimRobot,
    sizes: Record<CameraName, CameraSize>,
  ) {
    const region = taskRegion(robot);
    const [cx, cy] = region.centre;
    this.sceneCamera = lookAtCamera({
      eye: [cx + 0.72, cy - 0.38, 0.62],
      target: [cx - 0.12, cy + 0.02, 0.1],
      fovyDeg: SCENE_FOVY,
      width: sizes.scene.width,
      height: sizes.scene.height,
      near: 0.05,
      far: 6,
    });
    this.intrinsics = {
      scene: this.sceneCamera,
      wrist: intrinsicsFromFov(sizes.wrist.width, sizes.wrist.height, WRIST_FOVY, 0.01, 4),
    };
  }

  /** The camera model now (the wrist camera moves with the gripper). */
  camera(name: CameraName): CameraModel {
    if (name === 'scene') return this.sceneCamera;
    const arm = this.physics.scene.arm;
    const body = this.physics.bodyPose(this.physics.wristCameraBody);
    const [w, x, y, z] = arm.wristCameraQuat;
    return attachedCamera(
      { position: body.p, orientation: body.q },
      { position: [...arm.wristCameraPos], orientation: [x, y, z, w] },
      this.intrinsics.wrist,
    );
  }

  intrinsicsOf(name: CameraName): Intrinsics {
    return this.intrinsics[name];
  }

  /** Everything the cameras can see, now. */
  primitives(): Primitive[] {
    return primitivesFrom(this.physics.geoms());
  }

  /** Renders one camera (rgb8, step = 3·width). */
  render(renderer: FrameRenderer, name: CameraName, shapes: readonly Primitive[] = this.primitives(), out?: Uint8Array): Uint8Array {
    return renderer.render(shapes, this.camera(name), LIGHTING, out);
  }
}

/** The scene and wrist cameras of `sim` at SIM_CAMERA_SIZE, as the sim node renders them by default. */
export function simCameraRig(sim: Simulator): CameraRig {
  const size = { width: SIM_CAMERA_SIZE, height: SIM_CAMERA_SIZE };
  return new CameraRig(sim.physics, sim.facts.name, { scene: size, wrist: size });
}

/** One camera frame as the sim publishes it (rgb8, step = 3·width), rendered on first use. */
export interface CameraFrame {
  camera: CameraName;
  model: CameraModel;
  image(): Uint8Array;
}

/**
 * What the sim's cameras deliver now, with the injected camera failures: a live camera shows the
 * scene now, a frozen one repeats its last frame, a dropped one delivers nothing. The sim node
 * publishes every frame; `vla-ros sim eval` renders only the frames the VLM looks at (a frame
 * keeps the scene of its instant, so rendering it later gives the same pixels).
 */
export class CameraFeed {
  private readonly last = new Map<CameraName, CameraFrame>();

  constructor(
    private readonly sim: Simulator,
    private readonly rig: CameraRig,
    private readonly renderer: FrameRenderer,
  ) {}

  capture(names: readonly CameraName[] = CAMERA_NAMES): CameraFrame[] {
    const frames: CameraFrame[] = [];
    let shapes: Primitive[] | undefined;
    for (const camera of names) {
      const mode = this.sim.cameraState(camera);
      if (mode === 'dropped') continue;
      let frame = mode === 'frozen' ? this.last.get(camera) : undefined;
      if (frame === undefined) {
        shapes ??= this.rig.primitives();
        frame = this.frame(camera, this.rig.camera(camera), shapes);
        this.last.set(camera, frame);
      }
      frames.push(frame);
    }
    return frames;
  }

  private frame(camera: CameraName, model: CameraModel, shapes: readonly Primitive[]): CameraFrame {
    let data: Uint8Array | undefined;
    const renderer = this.renderer;
    return {
      camera,
      model,
      image: () => (data ??= renderer.render(shapes, model, LIGHTING)),
    };
  }
}
