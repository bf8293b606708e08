import { strict as assert } from 'node:assert';
import { Rng } from '../../../nodes/inference/decoders/rng.js';

describe('decoders: Rng', () => {
  it('is deterministic per (seed, stream) and differs across seeds and streams', () => {
    const draw = (seed: number, stream = 0) => {
      const r = new Rng(seed, stream);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    assert.deepEqual(draw(42), draw(42));
    assert.deepEqual(draw(42, 7), draw(42, 7));
    assert.notDeepEqual(draw(42), draw(43));
    assert.notDeepEqual(draw(42), draw(42, 1));
    assert.notDeepEqual(draw(2 ** 40), draw(2 ** 40 + 2 ** 32)); // high bits matter
    assert.notDeepEqual(draw(-1), draw(1));
  });

  it('pins the sequence (replays recorded with this generator must keep decoding the same)', () => {
    const r = new Rng(0);
    assert.deepEqual(
      Array.from({ length: 4 }, () => r.nextUint32()),
      [1849021939, 1141729422, 3003912855, 3288367841],
    );
    const s = new Rng(42, 3);
    assert.deepEqual(
      [s.normal(), s.normal(), s.gumbel(), s.uniform()],
      [-0.9662607281759139, 0.987793914881199, -0.11709028967480535, 0.2275704162855523],
    );
  });

  it('draws uniforms in range and normals/Gumbels with the right moments', () => {
    const r = new Rng(123);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let sg = 0;
    let minU = 1;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      assert.ok(u >= 0 && u < 1);
      minU = Math.min(minU, u);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      sg += r.gumbel();
    }
    assert.ok(Math.abs(su / n - 0.5) < 0.005);
    assert.ok(Math.abs(sn / n) < 0.01);
    assert.ok(Math.abs(sn2 / n - 1) < 0.02);
    assert.ok(Math.abs(sg / n - 0.5772156649) < 0.01, `Gumbel mean ${sg / n}`);
    const o = new Rng(5);
    for (let i = 0; i < 10_000; i++) {
      const u = o.uniformOpen();
      assert.ok(u > 0 && u < 1);
    }
  });

  it('saves and restores its state, including the cached normal', () => {
    const r = new Rng(9);
    r.normal(); // leaves a spare
    const state = r.getState();
    const a = [r.normal(), r.normal(), r.uniform()];
    r.setState(state);
    assert.deepEqual([r.normal(), r.normal(), r.uniform()], a);
  });

  it('rejects seeds that are not safe integers', () => {
    assert.throws(() => new Rng(0.5), RangeError);
    assert.throws(() => new Rng(1, Number.NaN), RangeError);
  });
});
