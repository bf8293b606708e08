// `vla-ros bundle check [bundle...]`: validates policy bundles against their ONNX files.

import { shippedBundles } from '../policy/shipped_bundles.js';
import { checkBundle } from './bundle_check.js';

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
