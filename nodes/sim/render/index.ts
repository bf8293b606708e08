// The simulator's renderer: scene contract, Renderer, camera helpers (docs/renderer.md).
export * from './scene.js';
export { Renderer, MAX_IMAGE_SIDE, SUBPIXEL_BITS } from './renderer.js';
export * from './camera.js';
export { srgbByte, srgbTransfer } from './colour.js';
export { composePose, invertPose, quatFromAxisAngle, quatMul, rotate } from './math3d.js';
