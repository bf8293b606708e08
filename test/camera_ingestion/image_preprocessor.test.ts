import { strict as assert } from 'node:assert';
import { pixelLayout, SUPPORTED_ENCODINGS } from '../../nodes/camera_ingestion/image_encoding.js';
import { ImagePreprocessor, type PreprocessResult, type PreprocessSpec } from '../../nodes/camera_ingestion/image_preprocessor.js';
import { sharedAllocator, tensorBytes } from '../../nodes/camera_ingestion/shared_tensor.js';
import { assertClose, camera, makeImage, plane, RGB } from './helpers.js';

function ok(r: PreprocessResult): Float32Array {
  if (!r.ok) assert.fail(`expected success, got ${r.kind}: ${r.reason}`);
  return r.tensor;
}

function spec(overrides: Partial<PreprocessSpec> = {}): PreprocessSpec {
  return camera('c', overrides);
}

const channel = (c: number) => RGB.map((row) => row.map((px) => px[c] / 255));
const reorder = (order: number[], extra?: number) =>
  RGB.map((row) => row.map((px) => [...order.map((c) => px[c]), ...(extra === undefined ? [] : [extra])]));

describe('camera_ingestion image preprocessing', () => {
  describe('encodings (4×2 → 4×2 stretch: every output pixel is exactly one source pixel)', () => {
    const identity = new ImagePreprocessor(spec());
    const cases: Array<[string, number[][][]]> = [
      ['rgb8', reorder([0, 1, 2])],
      ['bgr8', reorder([2, 1, 0])],
      ['rgba8', reorder([0, 1, 2], 7)],
      ['bgra8', reorder([2, 1, 0], 250)],
    ];
    for (const [encoding, pixels] of cases) {
      it(`${encoding}: channels R, G, B scaled to [0, 1] (alpha ignored)`, () => {
        const t = ok(identity.process(makeImage(encoding, pixels)));
        assert.equal(t.length, 3 * 4 * 2);
        for (let c = 0; c < 3; c++) assertClose(plane(t, 4, 2, c), channel(c), 1e-7, `${encoding} channel ${c}`);
      });
    }

    it('channel_order bgr puts blue first, whatever the source order', () => {
      const p = new ImagePreprocessor(spec({ channelOrder: 'bgr' }));
      for (const [encoding, pixels] of cases) {
        const t = ok(p.process(makeImage(encoding, pixels)));
        assertClose(plane(t, 4, 2, 0), channel(2), 1e-7, `${encoding} out 0 = blue`);
        assertClose(plane(t, 4, 2, 1), channel(1), 1e-7, `${encoding} out 1 = green`);
        assertClose(plane(t, 4, 2, 2), channel(0), 1e-7, `${encoding} out 2 = red`);
      }
    });

    it('applies (x/255 − mean) / std per output channel, mean/std in the manifest channel order', () => {
      const mean: [number, number, number] = [0.5, 0.25, 0.125];
      const std: [number, number, number] = [0.5, 0.25, 2];
      const rgb = ok(new ImagePreprocessor(spec({ mean, std })).process(makeImage('bgr8', reorder([2, 1, 0]))));
      // pixel (0,0) = (10, 20, 30): hand-computed
      assert.ok(Math.abs(rgb[0] - (10 / 255 - 0.5) / 0.5) < 1e-6); // −0.92157
      assert.ok(Math.abs(rgb[8] - (20 / 255 - 0.25) / 0.25) < 1e-6); // −0.68627
      assert.ok(Math.abs(rgb[16] - (30 / 255 - 0.125) / 2) < 1e-6); // −0.003676
      for (let c = 0; c < 3; c++) {
        assertClose(
          plane(rgb, 4, 2, c),
          channel(c).map((r) => r.map((v) => (v - mean[c]) / std[c])),
          1e-6,
          `rgb channel ${c}`,
        );
      }
      // bgr order: mean[0]/std[0] belong to blue now.
      const bgr = ok(new ImagePreprocessor(spec({ mean, std, channelOrder: 'bgr' })).process(makeImage('rgb8', reorder([0, 1, 2]))));
      assertClose(
        plane(bgr, 4, 2, 0),
        channel(2).map((r) => r.map((v) => (v - 0.5) / 0.5)),
        1e-6,
        'bgr out 0 (blue)',
      );
      assertClose(
        plane(bgr, 4, 2, 2),
        channel(0).map((r) => r.map((v) => (v - 0.125) / 2)),
        1e-6,
        'bgr out 2 (red)',
      );
    });

    it('mono8: the grey value in all three channels, each with its own mean/std', () => {
      const grey = [
        [0, 51, 102, 153],
        [204, 255, 17, 34],
      ];
      const mean: [number, number, number] = [0.1, 0.2, 0.3];
      const std: [number, number, number] = [1, 2, 4];
      const t = ok(
        new ImagePreprocessor(spec({ mean, std })).process(
          makeImage(
            'mono8',
            grey.map((r) => r.map((g) => [g])),
          ),
        ),
      );
      for (let c = 0; c < 3; c++) {
        assertClose(
          plane(t, 4, 2, c),
          grey.map((r) => r.map((g) => (g / 255 - mean[c]) / std[c])),
          1e-6,
          `mono8 channel ${c}`,
        );
      }
      assert.ok(Math.abs(t[0] - -0.1) < 1e-7 && Math.abs(t[5] - (1 - 0.1)) < 1e-7);
    });

    it('mono16: scaled by 1/65535, little- and big-endian', () => {
      const grey = [
        [0x0000, 0x1234, 0xffff, 0x8000],
        [0x00ff, 0xff00, 0x0102, 0x7fff],
      ];
      const expected = grey.map((r) => r.map((g) => g / 65535));
      const p = new ImagePreprocessor(spec());
      for (const bigEndian of [false, true]) {
        const img = makeImage(
          'mono16',
          grey.map((r) => r.map((g) => [g])),
          { bigEndian },
        );
        assert.equal(img.data[2], bigEndian ? 0x12 : 0x34, 'the test image really has that byte order');
        const t = ok(p.process(img));
        for (let c = 0; c < 3; c++) assertClose(plane(t, 4, 2, c), expected, 1e-7, `mono16 ${bigEndian ? 'BE' : 'LE'} channel ${c}`);
      }
    });

    it('rgb16 / bgra16: 16-bit colour samples, either byte order', () => {
      const px16 = RGB.map((row) => row.map((px) => px.map((v) => v * 257)));
      const p = new ImagePreprocessor(spec());
      const rgb16 = ok(p.process(makeImage('rgb16', px16, { bigEndian: true })));
      const bgra16 = ok(
        p.process(
          makeImage(
            'bgra16',
            px16.map((row) => row.map(([r, g, b]) => [b, g, r, 65535])),
          ),
        ),
      );
      for (let c = 0; c < 3; c++) {
        assertClose(plane(rgb16, 4, 2, c), channel(c), 1e-6, `rgb16 channel ${c}`);
        assertClose(plane(bgra16, 4, 2, c), channel(c), 1e-6, `bgra16 channel ${c}`);
      }
    });

    it('respects step: padding bytes at the end of each row are never read', () => {
      const p = new ImagePreprocessor(spec());
      const tight = ok(p.process(makeImage('rgb8', reorder([0, 1, 2]))));
      for (const pad of [1, 5, 64]) {
        const img = makeImage('rgb8', reorder([0, 1, 2]), { rowPadding: pad });
        assert.equal(img.step, 12 + pad);
        assert.deepEqual(Array.from(ok(p.process(img))), Array.from(tight), `row padding ${pad}`);
      }
      // 16-bit with an odd step: samples are read bytewise, no alignment needed.
      const grey = [
        [1000, 2000, 3000, 4000],
        [5000, 6000, 7000, 8000],
      ].map((r) => r.map((g) => [g]));
      const odd = makeImage('mono16', grey, { rowPadding: 3 });
      assert.equal(odd.step, 11);
      assertClose(
        plane(ok(p.process(odd)), 4, 2, 0),
        [
          [1000, 2000, 3000, 4000],
          [5000, 6000, 7000, 8000],
        ].map((r) => r.map((g) => g / 65535)),
      );
    });

    it('is_bigendian is read as a flag (a boolean from a client library counts too)', () => {
      const img = makeImage('mono16', [[[0x0102]]], { bigEndian: true });
      const p = new ImagePreprocessor(spec({ width: 1, height: 1 }));
      const asBool = { ...img, is_bigendian: true as unknown as number };
      assert.ok(Math.abs(ok(p.process(asBool))[0] - 0x0102 / 65535) < 1e-9);
    });
  });

  describe('resize (mono8 sources, mean 0 std 1, so outputs are v/255)', () => {
    const grey = (rows: number[][]) =>
      makeImage(
        'mono8',
        rows.map((r) => r.map((g) => [g])),
      );
    const run = (s: Partial<PreprocessSpec>, rows: number[][]) => {
      const full = spec(s);
      const t = ok(new ImagePreprocessor(full).process(grey(rows)));
      return plane(t, full.width, full.height, 0).map((r) => r.map((v) => v * 255));
    };

    it('stretch down 4×2 → 2×1: pixel centres at source (0.5, 0.5) and (2.5, 0.5): 2×2 box averages', () => {
      const out = run({ width: 2, height: 1 }, [
        [0, 40, 80, 120],
        [200, 240, 160, 100],
      ]);
      assertClose(out, [[(0 + 40 + 200 + 240) / 4, (80 + 120 + 160 + 100) / 4]], 1e-5); // 120, 115
    });

    it('stretch up 2×1 → 4×1: half-pixel centres, edges clamped (OpenCV INTER_LINEAR: 0, 50, 150, 200)', () => {
      assertClose(run({ width: 4, height: 1 }, [[0, 200]]), [[0, 50, 150, 200]], 1e-5);
    });

    it('stretch up 2×2 → 4×4: separable weights 0, .25, .75, 1 on both axes', () => {
      const out = run({ width: 4, height: 4 }, [
        [0, 100],
        [200, 40],
      ]);
      assertClose(
        out,
        [
          [0, 25, 75, 100],
          [50, 58.75, 76.25, 85],
          [150, 126.25, 78.75, 55],
          [200, 160, 80, 40],
        ],
        1e-5,
      );
    });

    it('stretch changes the aspect ratio: 4×2 → 2×2 samples x at 0.5, 2.5 and y at 0, 1', () => {
      assertClose(
        run({ width: 2, height: 2 }, [
          [0, 10, 20, 30],
          [40, 50, 60, 70],
        ]),
        [
          [5, 25],
          [45, 65],
        ],
        1e-5,
      );
    });

    it('crop 4×2 → 2×2: scale 1, the centred 2×2 window (columns 1 and 2)', () => {
      assertClose(
        run({ width: 2, height: 2, resize: 'crop' }, [
          [0, 10, 20, 30],
          [40, 50, 60, 70],
        ]),
        [
          [10, 20],
          [50, 60],
        ],
        1e-5,
      );
    });

    it('crop 2×4 → 2×2 (tall source): the centred rows 1 and 2', () => {
      assertClose(
        run({ width: 2, height: 2, resize: 'crop' }, [
          [0, 10],
          [20, 30],
          [40, 50],
          [60, 70],
        ]),
        [
          [20, 30],
          [40, 50],
        ],
        1e-5,
      );
    });

    it('crop 5×2 → 2×2: a fractional window offset (1.5) samples between source columns', () => {
      assertClose(
        run({ width: 2, height: 2, resize: 'crop' }, [
          [0, 10, 20, 30, 40],
          [50, 60, 70, 80, 90],
        ]),
        [
          [15, 25],
          [65, 75],
        ],
        1e-5,
      );
    });

    it('crop 8×4 → 2×2: scale 2 with window offset 2, samples at x = 2.5, 4.5 and y = 0.5, 2.5', () => {
      // v = 10·x + 50·y is linear, so bilinear sampling returns it exactly at the sample point.
      const rows = Array.from({ length: 4 }, (_, y) => Array.from({ length: 8 }, (_, x) => 10 * x + 50 * y));
      assertClose(
        run({ width: 2, height: 2, resize: 'crop' }, rows),
        [
          [50, 70],
          [150, 170],
        ],
        1e-5,
      );
    });

    it('pad 4×2 → 4×4: content rows 1–2 unscaled, rows 0 and 3 padded with 0 after normalisation (the mean colour)', () => {
      const mean: [number, number, number] = [0.5, 0.5, 0.5];
      const t = ok(
        new ImagePreprocessor(spec({ width: 4, height: 4, resize: 'pad', mean })).process(
          grey([
            [0, 10, 20, 30],
            [40, 50, 60, 255],
          ]),
        ),
      );
      for (let c = 0; c < 3; c++) {
        assertClose(
          plane(t, 4, 4, c),
          [[0, 0, 0, 0], [0, 10, 20, 30].map((v) => v / 255 - 0.5), [40, 50, 60, 255].map((v) => v / 255 - 0.5), [0, 0, 0, 0]],
          1e-6,
          `pad channel ${c}`,
        );
      }
    });

    it('pad 4×2 → 3×3: content 3×2 (round(1.5) = 2) at the top, x sampled at 1/6, 1.5, 17/6', () => {
      const rows = Array.from({ length: 2 }, (_, y) => Array.from({ length: 4 }, (_, x) => 10 * x + 50 * y));
      const t = ok(new ImagePreprocessor(spec({ width: 3, height: 3, resize: 'pad', mean: [0.5, 0.5, 0.5] })).process(grey(rows)));
      const content = (v: number) => v / 255 - 0.5;
      assertClose(plane(t, 3, 3, 0), [[10 / 6, 15, 170 / 6].map(content), [10 / 6 + 50, 65, 170 / 6 + 50].map(content), [0, 0, 0]], 1e-6);
    });

    it('pad 2×4 → 4×4 (tall source): content in columns 1–2, columns 0 and 3 padded', () => {
      const t = ok(
        new ImagePreprocessor(spec({ width: 4, height: 4, resize: 'pad', mean: [0.5, 0.5, 0.5] })).process(
          grey([
            [0, 10],
            [20, 30],
            [40, 50],
            [60, 70],
          ]),
        ),
      );
      const c = (v: number) => v / 255 - 0.5;
      assertClose(
        plane(t, 4, 4, 1),
        [
          [0, c(0), c(10), 0],
          [0, c(20), c(30), 0],
          [0, c(40), c(50), 0],
          [0, c(60), c(70), 0],
        ],
        1e-6,
      );
    });

    it('rebuilds its sampling tables when the source size changes, and allocates a fresh tensor per frame', () => {
      const p = new ImagePreprocessor(spec({ width: 2, height: 1 }));
      const a = ok(
        p.process(
          grey([
            [0, 40, 80, 120],
            [200, 240, 160, 100],
          ]),
        ),
      );
      const b = ok(p.process(grey([[0, 200]])));
      const c = ok(
        p.process(
          grey([
            [0, 40, 80, 120],
            [200, 240, 160, 100],
          ]),
        ),
      );
      assertClose(Array.from(a).slice(0, 2), [120 / 255, 115 / 255]);
      assertClose(Array.from(b).slice(0, 2), [0, 200 / 255]); // 2×1 → 2×1: identity
      assert.deepEqual(Array.from(c), Array.from(a));
      assert.notEqual(a.buffer, c.buffer, 'each frame gets its own buffer');
    });
  });

  describe('shared output buffers', () => {
    it('sharedAllocator: the tensor and its NamedTensor bytes view one fresh SharedArrayBuffer', () => {
      const p = new ImagePreprocessor(spec());
      const t1 = ok(p.process(makeImage('rgb8', reorder([0, 1, 2])), sharedAllocator));
      const t2 = ok(p.process(makeImage('rgb8', reorder([0, 1, 2])), sharedAllocator));
      assert.ok(t1.buffer instanceof SharedArrayBuffer);
      assert.notEqual(t1.buffer, t2.buffer);
      const bytes = tensorBytes(t1);
      assert.equal(bytes.buffer, t1.buffer);
      assert.equal(bytes.byteLength, 4 * t1.length);
      // little-endian float32 in the bytes
      assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getFloat32(4, true), t1[1]);
    });
  });

  describe('rejections', () => {
    const p = new ImagePreprocessor(spec());
    const rejected = (img: Parameters<ImagePreprocessor['process']>[0]) => {
      const r = p.process(img);
      if (r.ok) assert.fail(`expected a rejection for ${img.encoding}`);
      return r;
    };
    const fourByTwo = (encoding: string, bytesPerPixel: number) => ({
      width: 4,
      height: 2,
      encoding,
      is_bigendian: 0,
      step: 4 * bytesPerPixel,
      data: new Uint8Array(8 * bytesPerPixel),
    });

    const encodings: Array<[string, number, RegExp]> = [
      ['bayer_rggb8', 1, /Bayer mosaic.*debayer/],
      ['bayer_grbg16', 2, /Bayer mosaic/],
      ['yuv422', 2, /YUV/],
      ['yuv422_yuy2', 2, /YUV/],
      ['16UC1', 2, /depth image \(REP 118: millimetres/],
      ['32FC1', 4, /depth image \(REP 118: metres/],
      ['8UC3', 3, /generic OpenCV matrix type/],
      ['RGB8', 3, /unknown encoding 'RGB8'; supported: rgb8, bgr8/],
      ['jpeg', 3, /unknown encoding/],
      ['', 3, /no encoding/],
    ];
    for (const [encoding, bpp, reason] of encodings) {
      it(`refuses '${encoding}' as an encoding problem with a clear reason`, () => {
        const r = rejected(fourByTwo(encoding, bpp));
        assert.equal(r.kind, 'encoding');
        assert.match(r.reason, reason);
      });
    }

    it('lists exactly the supported encodings', () => {
      assert.deepEqual([...SUPPORTED_ENCODINGS].sort(), [
        'bgr16',
        'bgr8',
        'bgra16',
        'bgra8',
        'mono16',
        'mono8',
        'rgb16',
        'rgb8',
        'rgba16',
        'rgba8',
      ]);
      for (const e of SUPPORTED_ENCODINGS) assert.ok(pixelLayout(e).ok);
    });

    it('refuses step < width · bytes per pixel', () => {
      const r = rejected({ ...fourByTwo('rgb8', 3), step: 11 });
      assert.equal(r.kind, 'malformed');
      assert.match(r.reason, /step 11 is less than width·bytes per pixel = 4·3 = 12/);
    });

    it('refuses data shorter than step · height (even when only the last row padding is missing)', () => {
      const img = makeImage('rgb8', reorder([0, 1, 2]), { rowPadding: 4 });
      const r = rejected({ ...img, data: img.data.subarray(0, img.data.length - 1) });
      assert.equal(r.kind, 'malformed');
      assert.match(r.reason, /data has 31 bytes, step·height = 16·2 = 32 needed/);
    });

    it('refuses empty or invalid sizes and non-byte data', () => {
      assert.match(rejected({ ...fourByTwo('rgb8', 3), width: 0, step: 0 }).reason, /image size 0×2 is empty/);
      assert.match(rejected({ ...fourByTwo('rgb8', 3), height: 0 }).reason, /image size 4×0/);
      assert.match(rejected({ ...fourByTwo('mono8', 1), data: [1, 2] as unknown as Uint8Array }).reason, /not a byte array/);
    });

    it('refuses a bad model size, mean or std when constructed', () => {
      assert.throws(() => new ImagePreprocessor(spec({ width: 0 })), /positive integers/);
      assert.throws(() => new ImagePreprocessor(spec({ std: [1, 0, 1] })), /std positive/);
    });
  });
});
