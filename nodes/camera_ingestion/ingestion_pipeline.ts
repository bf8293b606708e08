// The camera_ingestion pipeline without ROS: frames in (raw or compressed, per camera), checks,
// preprocessing, keep-latest decoding, synchronisation, observations and counted drops out.
// node.ts feeds it from subscriptions and publishes what it emits.
//
// Per frame, in order (the first failing check drops it, counted by reason):
//   zero_stamp    header stamp is 0: the driver does not stamp frames; its age and its
//                 alignment with the other cameras are unknown, so it is never used (using
//                 the receive time instead would hide transport delay from the policy)
//   stale         older than max_frame_age on the node clock
//   future_stamp  stamped more than max_frame_age ahead of the node clock (clocks disagree)
//   late          older than the last published observation
//   out_of_order  not newer than the camera's newest frame (duplicate or reordered)
//   encoding      an encoding / CompressedImage format camera_ingestion refuses
//   busy          (compressed) replaced, still undecoded, by a newer frame of the camera while
//                 the previous frame was being decoded: keep-latest, never a queue
//   decode_error  (compressed) corrupt or truncated JPEG/PNG
//   wrong_size    source size differs from expected_widths/heights
//   malformed     step or data length inconsistent with width, height and encoding
//   superseded    waited for the other cameras and was replaced by a newer frame
// ('stale' is also what a waiting frame becomes once too old to form an observation.)

import type { CameraInput } from './camera_config.js';
import { parseCompressedFormat } from './compressed_format.js';
import { decodedLayout, type DecodedImage, type ImageDecoder } from './compressed_decoder.js';
import { ApproximateSync, type SyncDrop } from './frame_sync.js';
import { ImagePreprocessor, type PreprocessResult, type RawImage, type TensorAllocator } from './image_preprocessor.js';
import { errorText, errorTextWithStack } from '../error_text.js';

/** Every reason a frame is dropped, in the order the checks run (see above). */
export const DROP_REASONS = Object.freeze([
  'zero_stamp',
  'stale',
  'future_stamp',
  'late',
  'out_of_order',
  'encoding',
  'busy',
  'decode_error',
  'wrong_size',
  'malformed',
  'superseded',
] as const);

export type DropReason = (typeof DROP_REASONS)[number];

/** builtin_interfaces/Time. */
export interface Stamp {
  sec: number;
  nanosec: number;
}

export interface RawFrame extends RawImage {
  stamp: Stamp;
}

export interface CompressedFrame {
  stamp: Stamp;
  format: string;
  data: Uint8Array;
}

export interface ObservationFrame {
  camera: string;
  /** The frame's original stamp. */
  stamp: Stamp;
  /** float32 [3, height, width], the manifest's channel order. */
  tensor: Float32Array;
}

export interface IngestedObservation {
  /** Observation time [s]: the oldest frame's stamp. */
  time: number;
  /** That frame's original stamp. */
  stamp: Stamp;
  /** One per camera, in manifest order. */
  frames: ObservationFrame[];
}

export interface PipelineOptions {
  cameras: readonly CameraInput[];
  /** Frames kept per camera while waiting for the others (1 = latest only). */
  syncHistory: number;
  /** Node clock [s]. */
  now(): number;
  /** Read per frame, so parameter changes apply at once [s]. */
  maxSkew(): number;
  maxFrameAge(): number;
  allocate: TensorAllocator;
  decode: ImageDecoder;
  /** Told about every asynchronous decode (virtual time waits for it before moving on). */
  track?(work: Promise<unknown>): void;
  onObservation(observation: IngestedObservation): void;
  onDrop(camera: string, reason: DropReason, detail: string): void;
  /** A bug, not a bad frame: something threw while handling a decoded frame. */
  onError(camera: string, message: string): void;
}

interface Waiting {
  stamp: Stamp;
  tensor: Float32Array;
}

interface DecodeSlot {
  busy: boolean;
  pending: CompressedFrame | undefined;
}

const toSeconds = (s: Stamp) => s.sec + s.nanosec * 1e-9;
const RECENT = 256;

export class IngestionPipeline {
  private readonly preprocessors: ImagePreprocessor[];
  private readonly sync: ApproximateSync<Waiting>;
  private readonly slots: DecodeSlot[];
  private readonly drops = new Map<DropReason, number>(DROP_REASONS.map((r) => [r, 0]));
  private readonly cameraDrops: number[];
  private readonly cameraReasonDrops: Map<DropReason, number>[];
  private readonly received: number[];
  private readonly lastReceived: number[];
  private generation = 0;
  private published = 0;
  /** Wall-clock preprocessing durations of recent frames [ms] (CPU cost, not modelled time). */
  private readonly recentMs: number[] = [];

  constructor(private readonly o: PipelineOptions) {
    if (o.cameras.length === 0) throw new RangeError('camera_ingestion needs at least one camera');
    this.preprocessors = o.cameras.map((c) => new ImagePreprocessor(c.spec));
    this.sync = new ApproximateSync(o.cameras.length, o.syncHistory);
    this.slots = o.cameras.map(() => ({ busy: false, pending: undefined }));
    this.cameraDrops = o.cameras.map(() => 0);
    this.cameraReasonDrops = o.cameras.map(() => new Map<DropReason, number>());
    this.received = o.cameras.map(() => 0);
    this.lastReceived = o.cameras.map(() => -Infinity);
  }

  get cameras(): readonly CameraInput[] {
    return this.o.cameras;
  }

  /** Drops so far, per reason. */
  dropCounts(): Record<DropReason, number> {
    return Object.fromEntries(this.drops) as Record<DropReason, number>;
  }

  /** Drops so far for one reason, of all cameras or of camera `i`. */
  dropCount(reason: DropReason, i?: number): number {
    return i === undefined ? (this.drops.get(reason) ?? 0) : (this.cameraReasonDrops[i].get(reason) ?? 0);
  }

  /** Drops so far of camera `i` (any reason). */
  cameraDropCount(i: number): number {
    return this.cameraDrops[i];
  }

  receivedCount(i: number): number {
    return this.received[i];
  }

  /** Node-clock time the camera's last frame arrived (−Infinity: never). */
  lastReceiveTime(i: number): number {
    return this.lastReceived[i];
  }

  get observations(): number {
    return this.published;
  }

  /** Recent preprocessing wall times [ms]. */
  recentPreprocessMs(): readonly number[] {
    return this.recentMs;
  }

  /** A sensor_msgs/Image of camera `i`. */
  raw(i: number, frame: RawFrame): void {
    this.noteReceived(i);
    if (!this.admit(i, frame.stamp)) return;
    if (this.wrongSize(i, frame.width, frame.height)) return;
    const t0 = performance.now();
    const result = this.preprocessors[i].process(frame, this.o.allocate);
    this.noteMs(performance.now() - t0);
    this.accept(i, frame.stamp, result);
  }

  /** A sensor_msgs/CompressedImage of camera `i`. */
  compressed(i: number, frame: CompressedFrame): void {
    this.noteReceived(i);
    this.submitCompressed(i, frame);
  }

  private submitCompressed(i: number, frame: CompressedFrame): void {
    if (!this.admit(i, frame.stamp)) return;
    const format = parseCompressedFormat(frame.format);
    if (!format.ok) return this.drop(i, 'encoding', format.reason);
    const slot = this.slots[i];
    if (slot.busy) {
      // Keep-latest: the frame waiting for the decoder is replaced, never queued behind it.
      if (slot.pending !== undefined) this.drop(i, 'busy', `replaced by a newer frame while the decoder was busy`);
      slot.pending = frame;
      return;
    }
    this.startDecode(i, frame);
  }

  /** Forgets waiting and pending frames (time jumped back, node deactivated); in-flight decodes are discarded. */
  reset(): void {
    this.generation++;
    for (const d of this.sync.reset()) this.syncDrop(d);
    for (const s of this.slots) s.pending = undefined;
  }

  private startDecode(i: number, frame: CompressedFrame): void {
    const slot = this.slots[i];
    const generation = this.generation;
    slot.busy = true;
    const work = (async () => {
      const t0 = performance.now();
      try {
        let decoded: DecodedImage;
        try {
          decoded = await this.o.decode(frame.data);
        } catch (err) {
          if (generation === this.generation) this.drop(i, 'decode_error', errorText(err));
          return;
        }
        if (generation !== this.generation) return;
        if (this.wrongSize(i, decoded.width, decoded.height)) return;
        const result = this.preprocessors[i].processPixels(
          decoded.data,
          decoded.width,
          decoded.height,
          decoded.width * decoded.channels,
          decodedLayout(decoded),
          false,
          this.o.allocate,
        );
        this.noteMs(performance.now() - t0);
        // Time may have passed during the decode: the frame must still be fresh.
        if (this.ageProblem(i, frame.stamp)) return;
        this.accept(i, frame.stamp, result);
      } finally {
        slot.busy = false;
        const next = slot.pending;
        slot.pending = undefined;
        // The newest frame that arrived meanwhile (reset() empties the slot, so it is never one
        // from before a reset): checked again (it has aged), then decoded.
        if (next !== undefined) this.submitCompressed(i, next);
      }
    })().catch((err: unknown) => this.o.onError(this.o.cameras[i].name, errorTextWithStack(err)));
    this.o.track?.(work);
  }

  private noteReceived(i: number): void {
    this.received[i]++;
    this.lastReceived[i] = this.o.now();
  }

  /** Stamp and ordering checks every frame passes before any work is spent on it. */
  private admit(i: number, stamp: Stamp): boolean {
    if (stamp.sec === 0 && stamp.nanosec === 0) {
      this.drop(i, 'zero_stamp', 'header.stamp is 0 (the driver does not stamp frames): frame not used');
      return false;
    }
    if (this.ageProblem(i, stamp)) return false;
    const order = this.sync.precheck(i, toSeconds(stamp));
    if (order !== undefined) {
      const t = toSeconds(stamp);
      this.drop(
        i,
        order,
        order === 'late'
          ? `stamp ${t.toFixed(6)} is older than the last observation (${this.sync.lastObservationStamp.toFixed(6)})`
          : `stamp ${t.toFixed(6)} is not newer than the camera's previous frame`,
      );
      return false;
    }
    return true;
  }

  private ageProblem(i: number, stamp: Stamp): boolean {
    const age = this.o.now() - toSeconds(stamp);
    const maxAge = this.o.maxFrameAge();
    if (age > maxAge) {
      this.drop(i, 'stale', `frame is ${age.toFixed(3)} s old (max_frame_age ${maxAge} s)`);
      return true;
    }
    if (age < -maxAge) {
      this.drop(i, 'future_stamp', `frame is stamped ${(-age).toFixed(3)} s in the future of the node clock (clocks out of sync?)`);
      return true;
    }
    return false;
  }

  private wrongSize(i: number, width: number, height: number): boolean {
    const c = this.o.cameras[i];
    if ((c.expectedWidth > 0 && width !== c.expectedWidth) || (c.expectedHeight > 0 && height !== c.expectedHeight)) {
      const want = `${c.expectedWidth || 'any'}×${c.expectedHeight || 'any'}`;
      this.drop(i, 'wrong_size', `image is ${width}×${height}, expected ${want}`);
      return true;
    }
    return false;
  }

  private accept(i: number, stamp: Stamp, result: PreprocessResult): void {
    if (!result.ok) return this.drop(i, result.kind, result.reason);
    const t = toSeconds(stamp);
    for (const d of this.sync.prune(this.o.now() - this.o.maxFrameAge())) this.syncDrop(d);
    const { set, drops } = this.sync.offer(i, t, { stamp, tensor: result.tensor }, this.o.maxSkew());
    for (const d of drops) this.syncDrop(d);
    if (set === undefined) return;
    this.published++;
    const oldest = set.frames.findIndex((f) => f.stamp === set.stamp);
    this.o.onObservation({
      time: set.stamp,
      stamp: set.frames[oldest].payload.stamp,
      frames: set.frames.map((f, c) => ({ camera: this.o.cameras[c].name, stamp: f.payload.stamp, tensor: f.payload.tensor })),
    });
  }

  private syncDrop(d: SyncDrop): void {
    const detail =
      d.reason === 'superseded'
        ? `frame ${d.stamp.toFixed(6)} replaced by a newer one before the other cameras matched it (max_skew ${this.o.maxSkew()} s)`
        : d.reason === 'stale'
          ? `frame ${d.stamp.toFixed(6)} grew older than max_frame_age while waiting for the other cameras`
          : `frame ${d.stamp.toFixed(6)}: ${d.reason}`;
    this.drop(d.camera, d.reason, detail);
  }

  private drop(i: number, reason: DropReason, detail: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.cameraDrops[i]++;
    this.cameraReasonDrops[i].set(reason, (this.cameraReasonDrops[i].get(reason) ?? 0) + 1);
    this.o.onDrop(this.o.cameras[i].name, reason, detail);
  }

  private noteMs(ms: number): void {
    this.recentMs.push(ms);
    if (this.recentMs.length > RECENT) this.recentMs.shift();
  }
}
