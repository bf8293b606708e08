// Loading MuJoCo: the WebAssembly binary embedded in mujoco-js's single-file glue is compiled by
// vla-ros itself, so the glue never decodes its own copy into a variable that lives as long as
// the sim's thread (nor materialises the base64 literal), and the module then runs.

import { strict as assert } from 'node:assert';
import { compileMujocoWasm, loadMujoco } from '../../nodes/sim/mujoco.js';

describe('MuJoCo loading', function () {
  this.timeout(60_000);

  it("compiles the binary embedded in the installed mujoco-js (the glue's own decoding is the fallback only)", async () => {
    const wasm = await compileMujocoWasm();
    assert.ok(wasm !== undefined, 'the embedded binary was not found: the fallback would keep ~20 MB per sim thread');
    assert.equal(Object.prototype.toString.call(wasm), '[object WebAssembly.Module]');
  });

  it('instantiates the glue with that module: MuJoCo compiles and steps a model', async () => {
    const mj = await loadMujoco();
    mj.FS.writeFile('/vla_ros_sim/probe.xml', '<mujoco><worldbody><body><freejoint/><geom size="0.1"/></body></worldbody></mujoco>');
    const model = mj.MjModel.loadFromXML('/vla_ros_sim/probe.xml');
    const data = new mj.MjData(model);
    for (let i = 0; i < 10; i++) mj.mj_step(model, data);
    const z = (data.qpos as ArrayLike<number>)[2];
    assert.ok(z < 0, `the free body falls under gravity (z ${z})`);
    data.delete();
    model.delete();
  });
});
