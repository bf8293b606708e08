// The fast pathway's decoders: pure TypeScript, no ROS imports. ort_model.ts (the
// onnxruntime-node adapter) is deliberately not re-exported, so importing the decoders does
// not load ORT's native library.
export * from './tensor.js';
export * from './rng.js';
export * from './contract.js';
export * from './normalization.js';
export * from './rtc.js';
export * from './flow.js';
export * from './discrete_diffusion.js';
export * from './regression.js';
export * from './decode.js';
