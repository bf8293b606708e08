// What a bundle's ONNX model declares for one input or output: what the bundle checks hold the
// manifest against, and what the inference layer reports about a loaded model.

export interface ModelIO {
  name: string;
  /** Element type ('float32', 'int64', …); 'non-tensor' for sequences/maps. */
  type: string;
  /** Declared shape; strings are symbolic dimensions. Empty when undeclared. */
  shape: Array<number | string>;
}
