// Execution providers: what onnxruntime-node offers here, and a refusal in one line for one that
// is not installed — before a model loads, never a silent fallback.

import { strict as assert } from 'node:assert';
import { executionProviderProblem, executionProviders } from '../../nodes/inference/execution_provider.js';
import { ModelLoadError, OnnxModel } from '../../nodes/inference/onnx_model.js';
import { packagePath } from '../../nodes/package_paths.js';

const SUPPORTED = [
  { name: 'cpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
];

describe('execution providers', () => {
  it('counts a provider as available when it is built in or its library is installed', () => {
    assert.deepEqual(
      executionProviders(SUPPORTED, () => false),
      [
        { name: 'cpu', available: true },
        { name: 'cuda', available: false },
        { name: 'tensorrt', available: false },
      ],
    );
    assert.deepEqual(
      executionProviders(SUPPORTED, (file) => file === 'libonnxruntime_providers_cuda.so').map((p) => p.available),
      [true, true, false],
    );
  });

  it('says why a provider cannot run and what can', () => {
    const providers = executionProviders(SUPPORTED, () => false);
    assert.equal(executionProviderProblem('cpu', providers), undefined);
    assert.match(
      executionProviderProblem('cuda', providers) ?? '',
      /^execution provider 'cuda' is not available: onnxruntime-node .* has no libonnxruntime_providers_cuda\.so \(available here: cpu\); install onnxruntime-node's GPU binaries .* or use cpu$/,
    );
    assert.match(executionProviderProblem('rocm', providers) ?? '', /'rocm' is not one onnxruntime-node knows \(available here: cpu\)/);
  });

  it('cpu is available in the shipped onnxruntime-node', () => {
    assert.equal(executionProviderProblem('cpu'), undefined);
  });

  it('refuses to load a model on a provider that is not installed, naming the model', async function () {
    const missing = executionProviders().find((p) => !p.available && (p.name === 'cuda' || p.name === 'tensorrt'));
    if (missing === undefined) this.skip(); // a machine with the GPU binaries installed: nothing to refuse
    const model = packagePath('config', 'policies', 'reference', 'expert_flow.onnx');
    await assert.rejects(
      OnnxModel.load(model, { executionProvider: missing.name as 'cuda' | 'tensorrt' }),
      (err: unknown) =>
        err instanceof ModelLoadError &&
        err.message.startsWith(`cannot load ONNX model ${model}: execution provider '${missing.name}' is not available`),
    );
  });
});
