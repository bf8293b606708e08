// Where a world point lands in a bundle camera's input tensor: the pinhole projection the renderer
// uses (render/camera.ts), then the inverse of the camera's resize (camera_ingestion/
// resize_geometry.ts). Training reads it as a privileged label — which pooled pixel shows the task
// object — so a perception layer can be taught to look there (docs/training.md).

import type { ResizeMode } from '../policy/manifest.js';
import { outputCoordinate, resizeGeometry } from '../camera_ingestion/resize_geometry.js';
import { projectPoint } from './render/camera.js';
import type { CameraModel, Vec3 } from './render/scene.js';

/** A point in a tensor: x, y in [−1, 1] across its width and height (pixel edges), and whether it is in view. */
export interface TensorPoint {
  x: number;
  y: number;
  /** In front of the camera and inside the tensor's image content. */
  inView: boolean;
}

/**
 * Projects `p` (world) into the tensor that a camera's `size`×`size` image becomes after resizing
 * to `width`×`height` with `mode`. Out of view: the coordinates still say where (clamped to
 * [−1, 1]); behind the camera: the centre.
 */
export function projectToTensor(camera: CameraModel, p: Vec3, tensor: { width: number; height: number; resize: ResizeMode }): TensorPoint {
  const uv = projectPoint(camera, p);
  if (uv === undefined) return { x: 0, y: 0, inView: false };
  const g = resizeGeometry(camera.width, camera.height, tensor.width, tensor.height, tensor.resize);
  const ox = outputCoordinate(g.x, uv[0]);
  const oy = outputCoordinate(g.y, uv[1]);
  const inView = ox >= g.x.start - 0.5 && ox < g.x.end - 0.5 && oy >= g.y.start - 0.5 && oy < g.y.end - 0.5;
  const norm = (o: number, size: number) => Math.min(1, Math.max(-1, ((o + 0.5) / size) * 2 - 1));
  return { x: norm(ox, tensor.width), y: norm(oy, tensor.height), inView };
}
