// Which cameras camera_ingestion reads, from the policy manifest and the node's per-camera
// parameters (parallel arrays in camera_names order). Pure; every error names the parameter.

import type { CameraSpec } from '../policy/manifest.js';

export type Transport = 'raw' | 'compressed';
export const TRANSPORTS: readonly Transport[] = ['raw', 'compressed'];

export interface CameraParameters {
  /** Manifest cameras to ingest; empty: all of them. */
  names: readonly string[];
  /** Topic per camera; empty: the default topic for its transport. */
  topics: readonly string[];
  /** 'raw' | 'compressed' per camera; empty: all raw. */
  transports: readonly string[];
  /** Expected source size per camera; empty or 0: not checked. */
  expectedWidths: readonly number[];
  expectedHeights: readonly number[];
}

export interface CameraInput {
  /** Manifest camera name (also the NamedTensor name in the observation). */
  name: string;
  /** The manifest's camera: model size, resize mode, channel order, mean, std. */
  spec: CameraSpec;
  /** Topic as given (relative names resolve under the node's namespace). */
  topic: string;
  transport: Transport;
  /** 0: any size. */
  expectedWidth: number;
  expectedHeight: number;
}

export class CameraConfigError extends Error {
  override name = 'CameraConfigError';
}

/** The default topic of a camera: `cameras/<name>/image_raw` (+ `/compressed`), as image_transport names them. */
export function defaultTopic(name: string, transport: Transport): string {
  return transport === 'raw' ? `cameras/${name}/image_raw` : `cameras/${name}/image_raw/compressed`;
}

/** The cameras to ingest, in manifest order (the order of the published observation). */
export function resolveCameras(manifestCameras: readonly CameraSpec[], p: CameraParameters): CameraInput[] {
  const known = manifestCameras.map((c) => c.name);
  const names = p.names.length > 0 ? [...p.names] : known;
  const seen = new Set<string>();
  for (const n of names) {
    if (!known.includes(n)) {
      throw new CameraConfigError(`camera_names: '${n}' is not a camera of the policy bundle (its cameras: ${known.join(', ')})`);
    }
    if (seen.has(n)) throw new CameraConfigError(`camera_names: '${n}' is listed twice`);
    seen.add(n);
  }
  const perCamera = <T>(param: string, values: readonly T[]): T[] | undefined => {
    if (values.length === 0) return undefined;
    if (values.length !== names.length) {
      throw new CameraConfigError(
        `${param}: ${values.length} value(s) for ${names.length} camera(s) (${names.join(', ')}); give one per camera, in camera_names order, or none`,
      );
    }
    return [...values];
  };
  const transports = perCamera('camera_transports', p.transports);
  for (const t of transports ?? []) {
    if (!(TRANSPORTS as readonly string[]).includes(t)) {
      throw new CameraConfigError(`camera_transports: '${t}' is not one of ${TRANSPORTS.join(', ')}`);
    }
  }
  const topics = perCamera('camera_topics', p.topics);
  for (const t of topics ?? []) if (t.trim() === '') throw new CameraConfigError('camera_topics: empty topic name');
  const widths = perCamera('expected_widths', p.expectedWidths);
  const heights = perCamera('expected_heights', p.expectedHeights);
  for (const [param, list] of [
    ['expected_widths', widths],
    ['expected_heights', heights],
  ] as const) {
    for (const v of list ?? []) {
      if (!Number.isInteger(v) || v < 0) throw new CameraConfigError(`${param}: ${v} is not a size in pixels (0 = not checked)`);
    }
  }
  const inputs = names.map((name, i): CameraInput => {
    const transport = (transports?.[i] ?? 'raw') as Transport;
    return {
      name,
      spec: manifestCameras.find((c) => c.name === name)!,
      topic: topics?.[i] ?? defaultTopic(name, transport),
      transport,
      expectedWidth: widths?.[i] ?? 0,
      expectedHeight: heights?.[i] ?? 0,
    };
  });
  const topicSeen = new Map<string, string>();
  for (const c of inputs) {
    const other = topicSeen.get(c.topic);
    if (other !== undefined) throw new CameraConfigError(`camera_topics: cameras '${other}' and '${c.name}' both read '${c.topic}'`);
    topicSeen.set(c.topic, c.name);
  }
  return inputs.sort((a, b) => known.indexOf(a.name) - known.indexOf(b.name));
}
