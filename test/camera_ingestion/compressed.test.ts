import { strict as assert } from 'node:assert';
import sharp from 'sharp';
import { decodedLayout, sharpDecoder } from '../../nodes/camera_ingestion/compressed_decoder.js';
import { parseCompressedFormat } from '../../nodes/camera_ingestion/compressed_format.js';
import { ImagePreprocessor, type PreprocessResult } from '../../nodes/camera_ingestion/image_preprocessor.js';
import { camera } from './helpers.js';

function ok(r: PreprocessResult): Float32Array {
  if (!r.ok) assert.fail(`expected success, got ${r.kind}: ${r.reason}`);
  return r.tensor;
}

/** A smooth 64×48 RGB gradient (JPEG-friendly), tightly packed. */
function gradient(width = 64, height = 48): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      px[i] = Math.round((x / (width - 1)) * 255);
      px[i + 1] = Math.round((y / (height - 1)) * 255);
      px[i + 2] = 128;
    }
  }
  return px;
}

const raw = (px: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4) => sharp(px, { raw: { width, height, channels } });

describe('camera_ingestion compressed images', () => {
  describe('format strings', () => {
    const accepted: Array<[string, 'jpeg' | 'png', string | undefined]> = [
      ['jpeg', 'jpeg', undefined],
      ['png', 'png', undefined],
      ['JPEG', 'jpeg', undefined],
      ['rgb8; jpeg compressed bgr8', 'jpeg', 'rgb8'],
      ['bgr8; jpeg compressed bgr8', 'jpeg', 'bgr8'],
      ['bgr8; png compressed bgr8', 'png', 'bgr8'],
      ['mono8; jpeg compressed ', 'jpeg', 'mono8'],
      ['mono16; png compressed mono16', 'png', 'mono16'],
    ];
    for (const [format, codec, original] of accepted) {
      it(`'${format}' → ${codec}`, () => {
        assert.deepEqual(parseCompressedFormat(format), { ok: true, codec, originalEncoding: original });
      });
    }

    const refused: Array<[string, RegExp]> = [
      ['16UC1; compressedDepth png', /compressedDepth \(a depth image with a 12-byte header/],
      ['32FC1; compressedDepth', /compressedDepth/],
      ['16UC1; png compressed 16UC1', /original encoding 16UC1 is a depth image/],
      ['tiff', /unsupported CompressedImage format 'tiff'/],
      ['', /unsupported CompressedImage format ''/],
      ['rgb8; theora', /unsupported/],
      ['a; b; c', /unsupported/],
    ];
    for (const [format, reason] of refused) {
      it(`refuses '${format}'`, () => {
        const r = parseCompressedFormat(format);
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.reason, reason);
      });
    }
  });

  describe('decoding with sharp', () => {
    const spec = camera('c', { width: 32, height: 24, resize: 'stretch', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const p = new ImagePreprocessor(spec);
    const px = gradient();
    const direct = ok(p.process({ width: 64, height: 48, encoding: 'rgb8', is_bigendian: 0, step: 64 * 3, data: px }));

    it('PNG round trip: decode + preprocess equals preprocessing the raw pixels exactly', async () => {
      const png = await raw(px, 64, 48, 3).png().toBuffer();
      const d = await sharpDecoder(png);
      assert.deepEqual([d.width, d.height, d.channels], [64, 48, 3]);
      const t = ok(p.processPixels(d.data, d.width, d.height, d.width * d.channels, decodedLayout(d), false));
      assert.deepEqual(Array.from(t), Array.from(direct));
    });

    it('JPEG round trip: within JPEG loss of the raw result', async () => {
      const jpeg = await raw(px, 64, 48, 3).jpeg({ quality: 95 }).toBuffer();
      const d = await sharpDecoder(new Uint8Array(jpeg));
      const t = ok(p.processPixels(d.data, d.width, d.height, d.width * d.channels, decodedLayout(d), false));
      let worst = 0;
      for (let i = 0; i < t.length; i++) worst = Math.max(worst, Math.abs(t[i] - direct[i]) * 0.229); // back to [0, 1] units
      assert.ok(worst < 0.03, `max difference ${worst} (in pixel units / 255)`);
    });

    it('grey, grey+alpha and RGBA PNGs decode to layouts the preprocessor reads', async () => {
      const grey = Buffer.from([0, 50, 100, 150, 200, 250, 10, 20]);
      const g = await sharpDecoder(await raw(grey, 4, 2, 1).png().toBuffer());
      const one = new ImagePreprocessor(camera('g', { width: 4, height: 2 }));
      const tg = ok(one.processPixels(g.data, 4, 2, 4 * g.channels, decodedLayout(g), false));
      assert.deepEqual(
        Array.from(tg.subarray(0, 8), (v) => Math.round(v * 255)),
        [0, 50, 100, 150, 200, 250, 10, 20],
      );

      const rgba = Buffer.from(Array.from({ length: 8 }, (_, i) => [i * 10, i * 20, i * 30, 128]).flat());
      const d = await sharpDecoder(await raw(rgba, 4, 2, 4).png().toBuffer());
      assert.equal(d.channels, 4);
      const t = ok(one.processPixels(d.data, 4, 2, 16, decodedLayout(d), false));
      assert.deepEqual(
        Array.from(t.subarray(16, 24), (v) => Math.round(v * 255)),
        [0, 30, 60, 90, 120, 150, 180, 210],
        'blue plane',
      );
    });

    it('16-bit PNG (mono16 / rgb16 cameras) decodes to 8-bit', async () => {
      const png16 = await raw(px, 64, 48, 3).toColourspace('rgb16').png().toBuffer();
      assert.equal((await sharp(png16).metadata()).depth, 'ushort');
      const d = await sharpDecoder(png16);
      assert.equal(d.data.length, 64 * 48 * 3);
      const t = ok(p.processPixels(d.data, d.width, d.height, d.width * 3, decodedLayout(d), false));
      assert.deepEqual(Array.from(t), Array.from(direct));
    });

    it('rejects corrupt and truncated data (never a half-grey frame)', async () => {
      const jpeg = await raw(px, 64, 48, 3).jpeg({ quality: 90 }).toBuffer();
      await assert.rejects(sharpDecoder(jpeg.subarray(0, jpeg.length - 40)), /premature end|truncated|corrupt/i);
      const damaged = Buffer.from(jpeg);
      for (let i = 150; i < damaged.length - 10; i += 7) damaged[i] ^= 0x55;
      await assert.rejects(sharpDecoder(damaged));
      await assert.rejects(sharpDecoder(new TextEncoder().encode('definitely not an image')), /unsupported image format/);
      const png = await raw(px, 64, 48, 3).png().toBuffer();
      await assert.rejects(sharpDecoder(png.subarray(0, png.length / 2)));
      await assert.rejects(sharpDecoder(new Uint8Array(0)));
    });
  });
});
