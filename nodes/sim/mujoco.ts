// MuJoCo's official WebAssembly build (mujoco-js), loaded once per thread, and the few things
// the simulator needs from it with types. Gotchas handled here (docs/platform-notes.md):
// output arrays must be `mj.DoubleBuffer`s (a plain Float64Array stays zero), views such as
// `d.qpos` go stale when WASM memory grows (so they are re-read, never cached), and MJCF angles
// default to degrees (every model sets `<compiler angle="radian"/>`).

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MainModule, MjData, MjModel } from 'mujoco-js';
import { errorText } from '../error_text.js';

export type Mujoco = MainModule;
export type { MjData, MjModel };

let loading: Promise<Mujoco> | undefined;

/** The WASM module of this thread (loaded on first use, once: loading is slow, docs/platform-notes.md). */
export function loadMujoco(): Promise<Mujoco> {
  loading ??= import('mujoco-js').then(async (m) => {
    const wasm = await compileMujocoWasm();
    const mj = await (wasm === undefined ? m.default() : instantiateWith(m.default, wasm));
    mj.FS.mkdir('/vla_ros_sim');
    return mj;
  });
  return loading;
}

/**
 * mujoco-js is a single-file build: its glue code carries the WebAssembly binary as a base64
 * literal, and left to itself it decodes it into a module variable that lives as long as the
 * thread, beside the literal (each about 10 MB of the sim thread's heap, docs/launch-files.md).
 * Compiled here from the package file instead, the literal is never materialised and the bytes
 * are garbage once compiled. undefined: the file does not look as expected (another build of
 * the package), so the glue loads it itself as before.
 */
export async function compileMujocoWasm(): Promise<WasmModule | undefined> {
  const glue = fs.readFileSync(fileURLToPath(import.meta.resolve('mujoco-js')), 'latin1');
  const start = glue.indexOf(WASM_LITERAL_START);
  if (start < 0) return undefined;
  const from = start + WASM_LITERAL_START.length;
  const end = glue.indexOf("'", from);
  if (end < 0 || !glue.startsWith(WASM_BASE64_MAGIC, from)) return undefined;
  return WebAssembly.compile(Buffer.from(glue.slice(from, end), 'base64'));
}

/** The WebAssembly JS API calls made here (tsconfig's ES2023 lib types none of WebAssembly). */
interface WasmModule {
  readonly compiledWasm: unique symbol;
}
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: unknown): Promise<unknown>;
};

/** Where mujoco-js's glue returns its embedded binary (emscripten's findWasmBinary). */
const WASM_LITERAL_START = "function findWasmBinary() {\n  return base64Decode('";
/** `\0asm`, base64: the binary's first bytes. */
const WASM_BASE64_MAGIC = 'AGFzbQ';

/** Emscripten's `instantiateWasm` hook with an already compiled module; rejects when instantiation fails (the glue would wait forever). */
function instantiateWith(factory: (options?: unknown) => Promise<Mujoco>, wasm: WasmModule): Promise<Mujoco> {
  return new Promise<Mujoco>((resolve, reject) => {
    factory({
      instantiateWasm: (imports: unknown, receive: (instance: unknown, module: WasmModule) => void) => {
        WebAssembly.instantiate(wasm, imports).then((instance) => receive(instance, wasm), reject);
        return {};
      },
    }).then(resolve, reject);
  });
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
