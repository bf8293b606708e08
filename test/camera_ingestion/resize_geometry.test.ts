import { strict as assert } from 'node:assert';
import { outputCoordinate, resizeGeometry, sourceCoordinate, taps } from '../../nodes/camera_ingestion/resize_geometry.js';

const coords = (map: Parameters<typeof sourceCoordinate>[0]) => Array.from({ length: map.dstSize }, (_, o) => sourceCoordinate(map, o));

describe('camera_ingestion resize geometry', () => {
  it('outputCoordinate inverts sourceCoordinate inside the content, for every mode, and goes on outside it', () => {
    for (const mode of ['stretch', 'crop', 'pad'] as const) {
      const g = resizeGeometry(640, 480, 224, 224, mode);
      for (const map of [g.x, g.y]) {
        for (const o of [map.start, map.start + 1, Math.floor((map.start + map.end) / 2), map.end - 1]) {
          const back = outputCoordinate(map, sourceCoordinate(map, o));
          assert.ok(Math.abs(back - o) < 1e-9, `${mode}: output ${o} → source → ${back}`);
        }
        // One source pixel further than the content's first sample lands 1/scale outputs away.
        const first = sourceCoordinate(map, map.start);
        assert.ok(Math.abs(outputCoordinate(map, first - 1) - (map.start - 1 / map.scale)) < 1e-9, mode);
      }
    }
    // crop: the source columns cut away map outside [0, 223] (x offset 80 at scale 480/224).
    const crop = resizeGeometry(640, 480, 224, 224, 'crop');
    assert.ok(outputCoordinate(crop.x, 0) < -0.5 && outputCoordinate(crop.x, 639) > 223.5);
  });

  it('stretch 640×480 → 224×224: independent scales, pixel centres aligned', () => {
    const g = resizeGeometry(640, 480, 224, 224, 'stretch');
    assert.deepEqual([g.x.start, g.x.end, g.x.shift, g.y.start, g.y.end], [0, 224, 0, 0, 224]);
    assert.equal(g.x.scale, 640 / 224);
    assert.equal(g.y.scale, 480 / 224);
    // first and last centres: (0.5)·s − 0.5 and (223.5)·s − 0.5
    assert.ok(Math.abs(sourceCoordinate(g.x, 0) - (0.5 * 640) / 224 + 0.5) < 1e-12);
    assert.ok(Math.abs(sourceCoordinate(g.x, 223) - ((223.5 * 640) / 224 - 0.5)) < 1e-12);
  });

  it('crop 640×480 → 224×224: scale 480/224 on both axes, the centred 480×480 window (x offset 80)', () => {
    const g = resizeGeometry(640, 480, 224, 224, 'crop');
    assert.equal(g.x.scale, 480 / 224);
    assert.equal(g.y.scale, 480 / 224);
    assert.equal(g.x.shift, 80);
    assert.equal(g.y.shift, 0);
    // The window is symmetric about the image centre (319.5).
    assert.ok(Math.abs(sourceCoordinate(g.x, 0) + sourceCoordinate(g.x, 223) - 639) < 1e-9);
  });

  it('pad 640×480 → 224×224: content 224×168 at rows 28..195, same scale on both axes', () => {
    const g = resizeGeometry(640, 480, 224, 224, 'pad');
    assert.deepEqual([g.x.start, g.x.end, g.y.start, g.y.end], [0, 224, 28, 196]);
    assert.equal(g.x.scale, 640 / 224);
    assert.equal(g.y.scale, 480 / 168);
    assert.ok(Number.isNaN(sourceCoordinate(g.y, 27)) && Number.isNaN(sourceCoordinate(g.y, 196)), 'rows outside are padding');
    assert.equal(taps(g.y, 0), undefined);
  });

  it('pad keeps an exact aspect match unpadded, and rounds content to whole pixels (odd remainders go to the far side)', () => {
    const same = resizeGeometry(640, 480, 320, 240, 'pad');
    assert.deepEqual([same.x.start, same.x.end, same.y.start, same.y.end], [0, 320, 0, 240]);
    const odd = resizeGeometry(4, 2, 3, 3, 'pad');
    assert.deepEqual([odd.y.start, odd.y.end], [0, 2]);
    const tall = resizeGeometry(100, 300, 10, 10, 'pad');
    assert.deepEqual([tall.x.start, tall.x.end], [3, 6]); // round(10/3) = 3 columns at floor(7/2) = 3
  });

  it('clamps sample coordinates to the image (edge replication) when upscaling', () => {
    const g = resizeGeometry(2, 1, 4, 1, 'stretch');
    assert.deepEqual(coords(g.x), [0, 0.25, 0.75, 1]);
    assert.deepEqual(taps(g.x, 3), { i0: 1, i1: 1, w: 0 });
    assert.deepEqual(taps(g.x, 1), { i0: 0, i1: 1, w: 0.25 });
  });

  it('crop with a taller source centres vertically', () => {
    const g = resizeGeometry(2, 4, 2, 2, 'crop');
    assert.deepEqual(coords(g.y), [1, 2]);
    assert.deepEqual(coords(g.x), [0, 1]);
  });

  it('refuses non-positive sizes', () => {
    assert.throws(() => resizeGeometry(0, 1, 1, 1, 'stretch'), /srcW must be a positive integer/);
    assert.throws(() => resizeGeometry(1, 1, 1, 1.5, 'pad'), /dstH/);
  });
});
