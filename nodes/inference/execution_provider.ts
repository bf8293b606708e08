// Where a model runs: onnxruntime-node's execution providers. `cpu` is what the project ships and
// tests; `cuda` and `tensorrt` need onnxruntime-node's GPU provider libraries beside its binding
// (its install script downloads them; the project's .npmrc skips install scripts, see
// docs/installation.md). A provider that is not there is refused with one line that says what
// is available and how to get the rest, before any model loads: fail closed, never a silent
// fallback to another provider.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

/** The provider library onnxruntime loads for a provider that is not built into its binding. */
const PROVIDER_LIBRARY: Readonly<Record<string, string>> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

/** The folder of onnxruntime-node's native binding (its provider libraries sit beside it). */
function bindingDir(): string {
  const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  return path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

export interface ProviderAvailability {
  name: string;
  available: boolean;
}

/** onnxruntime-node's providers and whether each can run here (built in, or its library installed). */
export function executionProviders(
  supported: readonly { name: string; bundled: boolean }[] = ort.listSupportedBackends(),
  hasLibrary: (file: string) => boolean = (file) => fs.existsSync(path.join(bindingDir(), file)),
): ProviderAvailability[] {
  return supported.map((b) => {
    const library = PROVIDER_LIBRARY[b.name];
    return { name: b.name, available: b.bundled || (library !== undefined && hasLibrary(library)) };
  });
}

/** Why `name` cannot run models here, or undefined when it can. */
export function executionProviderProblem(
  name: string,
  providers: readonly ProviderAvailability[] = executionProviders(),
): string | undefined {
  const p = providers.find((x) => x.name === name);
  if (p?.available === true) return undefined;
  const here = providers.filter((x) => x.available).map((x) => x.name);
  if (p === undefined) return `execution provider '${name}' is not one onnxruntime-node knows (available here: ${here.join(', ')})`;
  const library = PROVIDER_LIBRARY[name];
  return (
    `execution provider '${name}' is not available: onnxruntime-node ${ort.env.versions.node ?? ''} has no ${library ?? name} ` +
    `(available here: ${here.join(', ')}); install onnxruntime-node's GPU binaries (docs/installation.md, "GPU") or use cpu`
  );
}
