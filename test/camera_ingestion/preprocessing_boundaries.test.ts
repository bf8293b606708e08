// Preprocessing at its edges: the first and last content row of a padded image, content that
// rounds to zero pixels, size and stride limits exactly at the minimum, constructor checks,
// allocator contract, and the encodings refused by name (YUV, generic matrices, prototype keys).
import { strict as assert } from 'node:assert';
import { isGrey, pixelLayout } from '../../nodes/camera_ingestion/image_encoding.js';
import {
  checkGeometry,
  ImagePreprocessor,
  type PreprocessResult,
  type PreprocessSpec,
} from '../../nodes/camera_ingestion/image_preprocessor.js';
import { resizeGeometry, sourceCoordinate, taps } from '../../nodes/camera_ingestion/resize_geometry.js';
import { assertClose, camera, makeImage } from './helpers.js';

const rgb8 = pixelLayout('rgb8');
if (!rgb8.ok) throw new Error('rgb8 must be supported');
const RGB8 = rgb8.layout;

function tensor(r: PreprocessResult): Float32Array {
  if (!r.ok) assert.fail(`expected success, got ${r.kind}: ${r.reason}`);
  return r.tensor;
}

/** A w×h image whose 8-bit samples all differ (per pixel and channel), as [r, g, b] rows. */
function distinct(w: number, h: number): number[][][] {
  return Array.from({ length: h }, (_, y) =>
    Array.from({ length: w }, (_, x) => [0, 1, 2].map((c) => (37 * x + 71 * y + 101 * c + 13) % 256)),
  );
}

describe('camera_ingestion preprocessing: boundaries', () => {
  describe('resize geometry', () => {
    it('pad: the first and last content rows sample the image, the rows next to them are padding', () => {
      const g = resizeGeometry(640, 480, 224, 224, 'pad');
      const s = 480 / 168;
      assert.equal(sourceCoordinate(g.y, 28), 0.5 * s - 0.5, 'first content row');
      assert.equal(sourceCoordinate(g.y, 195), 167.5 * s - 0.5, 'last content row');
      assert.deepEqual(taps(g.y, 28), { i0: 0, i1: 1, w: 0.5 * s - 0.5 });
      assert.ok(Number.isNaN(sourceCoordinate(g.y, 27)));
      assert.equal(taps(g.y, 196), undefined);
      assert.equal(sourceCoordinate(g.x, 0), Math.max(0, (0.5 * 640) / 224 - 0.5));
    });

    it('pad: content that would round to no pixel keeps one row or column', () => {
      const wide = resizeGeometry(1000, 1, 10, 10, 'pad');
      assert.deepEqual([wide.y.start, wide.y.end, wide.y.scale], [4, 5, 1]);
      const tall = resizeGeometry(1, 1000, 10, 10, 'pad');
      assert.deepEqual([tall.x.start, tall.x.end, tall.x.scale], [4, 5, 1]);
      assert.deepEqual([tall.y.start, tall.y.end, tall.y.scale], [0, 10, 100]);
    });

    it('stretch and crop of the same aspect agree; size 1 is valid on every axis and mode', () => {
      const crop = resizeGeometry(640, 480, 320, 240, 'crop');
      assert.deepEqual([crop.x.scale, crop.x.shift, crop.y.scale, crop.y.shift], [2, 0, 2, 0]);
      for (const mode of ['stretch', 'crop', 'pad'] as const) {
        const g = resizeGeometry(1, 1, 1, 1, mode);
        assert.deepEqual([g.x.start, g.x.end, g.x.scale, g.x.shift, g.y.start, g.y.end, g.y.scale, g.y.shift], [0, 1, 1, 0, 0, 1, 1, 0]);
        assert.deepEqual(taps(g.x, 0), { i0: 0, i1: 0, w: 0 });
      }
      for (const name of ['srcW', 'srcH', 'dstW', 'dstH']) {
        const args = [2, 2, 2, 2];
        args[['srcW', 'srcH', 'dstW', 'dstH'].indexOf(name)] = 0.5;
        assert.throws(
          () => resizeGeometry(args[0], args[1], args[2], args[3], 'stretch'),
          (e: unknown) => e instanceof RangeError && e.message === `resizeGeometry: ${name} must be a positive integer, got 0.5`,
        );
      }
    });

    it('crop of a wider source shifts x only, of a taller one y only, by half the cut', () => {
      const wide = resizeGeometry(6, 2, 2, 2, 'crop');
      assert.deepEqual([wide.x.scale, wide.x.shift, wide.y.shift], [1, 2, 0]);
      const tall = resizeGeometry(2, 6, 2, 2, 'crop');
      assert.deepEqual([tall.x.scale, tall.x.shift, tall.y.shift], [1, 0, 2]);
      const tallScaled = resizeGeometry(2, 8, 1, 2, 'crop'); // 2 source pixels per output pixel: a 2×4 window
      assert.deepEqual([tallScaled.x.scale, tallScaled.x.shift, tallScaled.y.scale, tallScaled.y.shift], [2, 0, 2, 2]);
    });
  });

  describe('16-bit sources interpolate exactly like 8-bit ones (v16 = 257·v8)', () => {
    const cases: Array<[string, Partial<PreprocessSpec>]> = [
      ['stretch 4×3 → 3×2', { width: 3, height: 2, resize: 'stretch' }],
      ['stretch 4×3 → 7×5 (upscale)', { width: 7, height: 5, resize: 'stretch' }],
      ['pad 4×3 → 5×5', { width: 5, height: 5, resize: 'pad' }],
    ];
    const norm: Partial<PreprocessSpec> = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'rgb' };
    for (const [what, geometry] of cases) {
      it(`${what}: rgb16, bgr16 big-endian, rgba16, mono16 of both byte orders`, () => {
        const p = new ImagePreprocessor(camera('c', { ...norm, ...geometry }));
        const px = distinct(4, 3);
        const wide = (rows: number[][][]) => rows.map((r) => r.map((v) => v.map((x) => x * 257)));
        const want = tensor(p.process(makeImage('rgb8', px)));
        const swap = (rows: number[][][]) => rows.map((r) => r.map(([a, b, c]) => [c, b, a]));
        assertClose(Array.from(tensor(p.process(makeImage('rgb16', wide(px))))), Array.from(want), 1e-6, 'rgb16');
        assertClose(
          Array.from(tensor(p.process(makeImage('bgr16', wide(swap(px)), { bigEndian: true })))),
          Array.from(want),
          1e-6,
          'bgr16 BE',
        );
        const alpha = px.map((r) => r.map((v) => [...v, 200]));
        assertClose(Array.from(tensor(p.process(makeImage('rgba16', wide(alpha))))), Array.from(want), 1e-6, 'rgba16');
        const grey = px.map((r) => r.map((v) => [v[1]]));
        const greyWant = tensor(p.process(makeImage('mono8', grey)));
        for (const bigEndian of [false, true]) {
          assertClose(
            Array.from(tensor(p.process(makeImage('mono16', wide(grey), { bigEndian })))),
            Array.from(greyWant),
            1e-6,
            `mono16 ${bigEndian}`,
          );
        }
      });
    }

    it('pad with a tall 16-bit source: content columns start after the left bar', () => {
      const p = new ImagePreprocessor(camera('c', { ...norm, width: 4, height: 4, resize: 'pad' }));
      const px = distinct(2, 4);
      const want = tensor(p.process(makeImage('rgb8', px)));
      const got = tensor(
        p.process(
          makeImage(
            'rgb16',
            px.map((r) => r.map((v) => v.map((x) => x * 257))),
            { bigEndian: true },
          ),
        ),
      );
      assertClose(Array.from(got), Array.from(want), 1e-6);
    });
  });

  describe('padding into a reused buffer', () => {
    for (const [what, w, h] of [
      ['bars top and bottom (wide source)', 4, 2],
      ['bars left and right (tall source)', 2, 4],
    ] as const) {
      it(`pad writes 0 over whatever the buffer held: ${what}`, () => {
        const p = new ImagePreprocessor(camera('c', { width: 4, height: 4, resize: 'pad', mean: [0.5, 0.5, 0.5] }));
        for (const encoding of ['rgb8', 'rgb16'] as const) {
          const px = distinct(w, h).map((r) => r.map((v) => (encoding === 'rgb16' ? v.map((x) => x * 257) : v)));
          const fresh = tensor(p.process(makeImage(encoding, px)));
          const dirty = new Float32Array(p.length).fill(7);
          const reused = tensor(p.process(makeImage(encoding, px), () => dirty));
          assert.equal(reused, dirty);
          assert.deepEqual(Array.from(reused), Array.from(fresh), encoding);
          assert.ok(fresh.includes(0), 'the layout has padding');
        }
      });
    }
  });

  describe('geometry checks', () => {
    const data = new Uint8Array(24);
    it('accepts step exactly width·bytes per pixel and data exactly step·height', () => {
      assert.equal(checkGeometry(data, 4, 2, 12, RGB8), undefined);
      assert.equal(checkGeometry(data.subarray(0, 23), 4, 2, 12, RGB8), 'data has 23 bytes, step·height = 12·2 = 24 needed');
    });

    it('refuses non-integer sizes and steps', () => {
      assert.equal(checkGeometry(data, 1.5, 2, 12, RGB8), 'image size 1.5×2 is empty or invalid');
      assert.equal(checkGeometry(data, 4, 1.5, 12, RGB8), 'image size 4×1.5 is empty or invalid');
      assert.equal(checkGeometry(data, 4, 2, 12.5, RGB8), 'step 12.5 is less than width·bytes per pixel = 4·3 = 12');
    });
  });

  describe('ImagePreprocessor construction and allocation', () => {
    it('refuses non-integer or zero model sizes, NaN or non-positive std, non-finite mean', () => {
      const bad: Array<[Partial<Parameters<typeof camera>[1]>, string]> = [
        [{ width: 1.5 }, 'model image size must be positive integers, got 1.5×2'],
        [{ height: 0 }, 'model image size must be positive integers, got 4×0'],
        [{ height: 2.5 }, 'model image size must be positive integers, got 4×2.5'],
        [{ std: [1, Number.NaN, 1] }, 'mean must be finite and std positive, got mean 0,0,0 std 1,NaN,1'],
        [{ std: [1, 1, -0.5] }, 'mean must be finite and std positive, got mean 0,0,0 std 1,1,-0.5'],
        [{ mean: [0, Infinity, 0] }, 'mean must be finite and std positive, got mean 0,Infinity,0 std 1,1,1'],
      ];
      for (const [over, message] of bad) {
        assert.throws(
          () => new ImagePreprocessor(camera('c', over)),
          (e: unknown) => e instanceof RangeError && e.message === message,
        );
      }
      const one = new ImagePreprocessor(camera('c', { width: 1, height: 1 }));
      assert.equal(one.length, 3);
    });

    it('refuses an allocator that returns the wrong size', () => {
      const p = new ImagePreprocessor(camera('c'));
      const img = makeImage('mono8', [
        [[1], [2], [3], [4]],
        [[5], [6], [7], [8]],
      ]);
      assert.throws(
        () => p.process(img, (n) => new Float32Array(n + 1)),
        (e: unknown) => e instanceof RangeError && e.message === 'allocator returned 25 floats, expected 24',
      );
      const mine = new Float32Array(24);
      const r = p.process(img, () => mine);
      assert.ok(r.ok && r.tensor === mine);
    });

    it('data that is not a byte array is malformed, not an encoding problem', () => {
      const p = new ImagePreprocessor(camera('c'));
      const img = makeImage('mono8', [
        [[1], [2], [3], [4]],
        [[5], [6], [7], [8]],
      ]);
      assert.deepEqual(p.process({ ...img, data: Array.from(img.data) as unknown as Uint8Array }), {
        ok: false,
        kind: 'malformed',
        reason: 'data is not a byte array',
      });
    });

    it('a malformed image is reported as malformed with the geometry problem', () => {
      const p = new ImagePreprocessor(camera('c'));
      const img = makeImage('rgb8', [[[1, 2, 3]]]);
      assert.deepEqual(p.process({ ...img, step: 2 }), {
        ok: false,
        kind: 'malformed',
        reason: 'step 2 is less than width·bytes per pixel = 1·3 = 3',
      });
    });
  });

  describe('encodings refused by name', () => {
    it('isGrey: one sample for all three channels', () => {
      const layout = (e: string) => {
        const r = pixelLayout(e);
        assert.ok(r.ok);
        return r.layout;
      };
      assert.equal(isGrey(layout('mono8')), true);
      assert.equal(isGrey(layout('mono16')), true);
      assert.equal(isGrey(layout('rgb8')), false);
      assert.equal(isGrey({ ...RGB8, red: 1, green: 1, blue: 2 }), false);
      assert.equal(isGrey({ ...RGB8, red: 0, green: 1, blue: 1 }), false);
    });

    const reason = (encoding: string) => {
      const r = pixelLayout(encoding);
      assert.ok(!r.ok, encoding);
      return r.reason;
    };
    it('every YUV family, in any case, and only at the start of the name', () => {
      for (const e of ['uyvy', 'yuyv', 'nv12', 'NV21', 'i420', 'YV12', 'yuv420'])
        assert.match(reason(e), /is YUV \(chroma-subsampled\)/, e);
      assert.match(reason('xyuv'), /^unknown encoding 'xyuv'/);
    });

    it('generic OpenCV matrix types of every depth and 1–4 channels; other names are unknown', () => {
      for (const e of ['8UC1', '16SC2', '32FC3', '64FC4', '8SC4']) assert.match(reason(e), /is a generic OpenCV matrix type/, e);
      for (const e of ['8UC5', '8UC0', '12UC1', 'x8UC3', '8UC3x', '8XC1', '8UD1']) assert.match(reason(e), /^unknown encoding/, e);
    });

    it('Bayer only as a prefix; depth types by their exact names', () => {
      assert.match(reason('rggb_bayer'), /^unknown encoding/);
      assert.match(reason('16UC1'), /millimetres, 0 = invalid/);
      assert.match(reason('32FC1'), /REP 118: metres\)/);
      assert.equal(
        reason('16UC1'),
        "encoding '16UC1' is a depth image (REP 118: millimetres, 0 = invalid); camera_ingestion takes colour or grey images — subscribe it to the camera's colour stream",
      );
      assert.equal(
        reason('bayer_bggr8'),
        "encoding 'bayer_bggr8' is a raw Bayer mosaic: debayer it first (image_proc's debayer node publishes image_color) or set the camera driver to rgb8/bgr8",
      );
    });

    it('names inherited from Object.prototype are not encodings, and the refusal lists what is supported', () => {
      for (const e of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        assert.equal(
          reason(e),
          `unknown encoding '${e}'; supported: rgb8, bgr8, rgba8, bgra8, mono8, rgb16, bgr16, rgba16, bgra16, mono16`,
        );
      }
      assert.equal(
        reason(''),
        "image has no encoding (empty 'encoding' field); supported: rgb8, bgr8, rgba8, bgra8, mono8, rgb16, bgr16, rgba16, bgra16, mono16",
      );
    });
  });
});
