// MuJoCo's official WebAssembly build (mujoco-js), loaded once per thread, and the few things
// the simulator needs from it with types. Gotchas handled here (docs/platform-notes.md):
// output arrays must be `mj.DoubleBuffer`s (a plain Float64Array stays zero), views such as
// `d.qpos` go stale when WASM memory grows (so they are re-read, never cached), and MJCF angles
// default to degrees (every model sets `<compiler angle="radian"/>`).

import type { MainModule, MjData, MjModel } from 'mujoco-js';
import { errorText } from '../error_text.js';

export type Mujoco = MainModule;
export type { MjData, MjModel };

let loading: Promise<Mujoco> | undefined;

/** The WASM module of this thread (loaded on first use, once: loading is slow, docs/platform-notes.md). */
export function loadMujoco(): Promise<Mujoco> {
  loading ??= import('mujoco-js').then(async (m) => {
    const mj = await m.default();
    mj.FS.mkdir('/vla_ros_sim');
    return mj;
  });
  return loading;
}

let modelCounter = 0;

/** Compiles an MJCF document; throws with MuJoCo's message when it does not compile. */
export function compileModel(mj: Mujoco, xml: string): MjModel {
  const file = `/vla_ros_sim/model_${++modelCounter}.xml`;
  mj.FS.writeFile(file, xml);
  try {
    return mj.MjModel.loadFromXML(file);
  } catch (err) {
    // Embind throws a pointer or an Error depending on the build; both say "did not compile".
    const detail = errorText(err);
    throw new Error(`MuJoCo could not compile the scene: ${detail}`, { cause: err });
  } finally {
    mj.FS.unlink(file);
  }
}

/** Object types used with mj_name2id. */
export function objectId(mj: Mujoco, model: MjModel, kind: 'body' | 'joint' | 'geom' | 'site', name: string): number {
  const type = {
    body: mj.mjtObj.mjOBJ_BODY.value,
    joint: mj.mjtObj.mjOBJ_JOINT.value,
    geom: mj.mjtObj.mjOBJ_GEOM.value,
    site: mj.mjtObj.mjOBJ_SITE.value,
  }[kind];
  const id = mj.mj_name2id(model, type, name);
  if (id < 0) throw new Error(`the MuJoCo model has no ${kind} '${name}'`);
  return id;
}

/** A typed view of one of MjData's / MjModel's arrays (re-read it after anything that may grow WASM memory). */
export function f64(view: unknown): Float64Array {
  return view as Float64Array;
}

export function i32(view: unknown): Int32Array {
  return view as Int32Array;
}
