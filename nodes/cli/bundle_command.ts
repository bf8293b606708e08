// `vla-ros bundle check [bundle...]`: validates policy bundles against their ONNX files.

import fs from 'node:fs';
import path from 'node:path';
import { packagePath } from '../package_paths.js';
import { checkBundle } from './bundle_check.js';

export function shippedBundles(): string[] {
  const root = packagePath('config', 'policies');
  return fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((n) => fs.existsSync(path.join(root, n, 'manifest.yaml')))
        .sort()
    : [];
}

export async function bundleCheckCommand(specs: string[]): Promise<number> {
  const names = specs.length > 0 ? specs : shippedBundles();
  let failed = 0;
  for (const spec of names) {
    const { bundle, problems } = await checkBundle(spec);
    if (problems.length === 0 && bundle !== undefined) {
      const m = bundle.manifest;
      process.stdout.write(
        `✓ ${spec}: ${m.cameras.length} camera(s), ${m.expert.decoding.mode} expert, ${m.action.space} H=${m.action.horizon} D=${m.action.names.length}` +
          `${m.trained ? '' : ' (untrained)'}  [${bundle.dir}]\n`,
      );
    } else {
      failed++;
      process.stdout.write(`✗ ${spec}:\n${problems.map((p) => `    ${p}`).join('\n')}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}
