// The policy bundles the package ships (config/policies/<name>/manifest.yaml), and which of them
// fit a robot: what a refusal for a bundle made for another arm can point the user to.

import fs from 'node:fs';
import path from 'node:path';
import { packagePath } from '../package_paths.js';
import { robotFitProblem } from './bundle_validation.js';
import { loadPolicyBundle } from './policy_bundle.js';

/** Names of the shipped bundles, sorted. */
export function shippedBundles(): string[] {
  const root = packagePath('config', 'policies');
  return fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((n) => fs.existsSync(path.join(root, n, 'manifest.yaml')))
        .sort()
    : [];
}

/** The shipped bundles whose state this robot's joints cover (a bundle that does not load is left out). */
export function shippedBundlesFitting(robot: { name: string; jointNames: readonly string[] }): string[] {
  return shippedBundles().filter((name) => {
    try {
      return robotFitProblem(loadPolicyBundle(name).manifest, robot) === undefined;
    } catch {
      return false;
    }
  });
}

/** robotFitProblem's reason with the shipped bundles that do fit, for a refusal. */
export function robotMisfitText(problem: string, robot: { name: string; jointNames: readonly string[] }): string {
  const fitting = shippedBundlesFitting(robot);
  return fitting.length === 0 ? problem : `${problem} (shipped for it: ${fitting.join(', ')})`;
}
