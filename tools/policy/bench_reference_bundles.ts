// Measures the reference bundles with onnxruntime-node on this machine: the VLM, one expert
// call, and whole chunk decodes (10-step flow, regression, 12-round discrete diffusion),
// through the same decoders the fast pathway uses.
//
//   npx tsc -p tsconfig.json && node dist/tools/policy/bench_reference_bundles.js [--threads 1] [--iterations 200]

import { performance } from 'node:perf_hooks';
import { conditioningFeeds } from '../../nodes/inference/decoders/contract.js';
import { decodeChunk } from '../../nodes/inference/decoders/decode.js';
import { normalizeState } from '../../nodes/inference/decoders/normalization.js';
import { OnnxModel } from '../../nodes/inference/onnx_model.js';
import { Rng } from '../../nodes/inference/decoders/rng.js';
import { float32Tensor, int64Tensor, type TensorData } from '../../nodes/inference/decoders/tensor.js';
import { loadPolicyBundle } from '../../nodes/policy/policy_bundle.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function time(label: string, iterations: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(20, iterations); i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(3);
  const mean = (ms.reduce((s, v) => s + v, 0) / ms.length).toFixed(3);
  console.log(
    `${label.padEnd(44)} mean ${mean.padStart(7)} ms   p50 ${q(0.5).padStart(7)}   p95 ${q(0.95).padStart(7)}   max ${q(1).padStart(7)}`,
  );
}

async function main(): Promise<void> {
  const threads = arg('threads', 1);
  const iterations = arg('iterations', 200);
  console.log(`onnxruntime-node, ${threads} intra-op thread(s), ${iterations} iterations after warm-up`);
  const home = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785];
  let latent: Record<string, TensorData> | undefined;
  for (const name of ['reference', 'reference_regression', 'reference_discrete_diffusion']) {
    const bundle = loadPolicyBundle(name);
    const m = bundle.manifest;
    const vlm = await OnnxModel.load(bundle.file(m.vlm.model), { intraOpThreads: threads });
    const expert = await OnnxModel.load(bundle.file(m.expert.model), { intraOpThreads: threads });
    const feeds: Record<string, TensorData> = {
      [m.vlm.inputs.tokenIds]: int64Tensor(
        [1, m.instruction.maxTokens],
        [121, 8, 66, 80, ...new Array<number>(m.instruction.maxTokens - 4).fill(0)],
      ),
      [m.vlm.inputs.attentionMask]: int64Tensor(
        [1, m.instruction.maxTokens],
        [1, 1, 1, 1, ...new Array<number>(m.instruction.maxTokens - 4).fill(0)],
      ),
    };
    for (const cam of m.cameras) feeds[m.vlm.inputs.images[cam.name]] = float32Tensor([1, 3, cam.height, cam.width]);
    if (latent === undefined) {
      await time('vlm.onnx (2 cameras 224², 16 tokens)', iterations, () => vlm.run(feeds));
      latent = await vlm.run(feeds);
    }
    const conditioning = conditioningFeeds(m.expert, { latent, state: normalizeState(home, m.state.mean, m.state.std), latentAge: 0.2 });
    const H = m.action.horizon;
    const D = m.action.names.length;
    const d = m.expert.decoding;
    const step: Record<string, TensorData> = { ...conditioning };
    if (d.mode === 'flow') {
      step[m.expert.inputs.actions!] = float32Tensor([1, H, D]);
      step[m.expert.inputs.time!] = float32Tensor([1], [0.5]);
    } else if (d.mode === 'discrete_diffusion') {
      step[m.expert.inputs.actions!] = int64Tensor([1, H * D], new Array<number>(H * D).fill(d.maskId));
    }
    await time(`${m.expert.model}: one call`, iterations, () => expert.run(step));
    let seed = 0;
    const what =
      d.mode === 'flow' ? `${d.steps}-step flow` : d.mode === 'discrete_diffusion' ? `${d.rounds}-round discrete diffusion` : 'regression';
    await time(`${name}: whole decode (${what})`, iterations, () =>
      decodeChunk(expert, m.expert, { conditioning, horizon: H, dimension: D, rng: new Rng(1, seed++) }),
    );
    await Promise.all([vlm.release(), expert.release()]);
  }
}

await main();
