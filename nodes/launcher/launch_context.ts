// How launch substitutions find packages: `$(find-pkg-share vla_ros)` is this package's
// root (checkout or colcon share/ folder); other packages come from AMENT_PREFIX_PATH.

import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package_paths.js';

export interface LaunchContext {
  env: NodeJS.ProcessEnv;
  /** Absolute share directory of a package; throws when it cannot be found. */
  findPackageShare(pkg: string): string;
}

export function defaultLaunchContext(env: NodeJS.ProcessEnv = process.env): LaunchContext {
  return {
    env,
    findPackageShare(pkg: string): string {
      if (pkg === 'vla_ros') return PACKAGE_ROOT;
      for (const prefix of (env.AMENT_PREFIX_PATH ?? '').split(':').filter((p) => p)) {
        const share = path.join(prefix, 'share', pkg);
        if (fs.existsSync(path.join(share, 'package.xml'))) return share;
      }
      throw new Error(`package '${pkg}' not found (searched vla_ros and AMENT_PREFIX_PATH)`);
    },
  };
}

/** `vla-ros launch x.launch.xml` accepts a path, or a file name in the package's launch/ folder. */
export function resolveLaunchFilePath(file: string, cwd = process.cwd()): string {
  const direct = path.resolve(cwd, file);
  if (fs.existsSync(direct)) return direct;
  const inPackage = path.join(PACKAGE_ROOT, 'launch', file);
  if (fs.existsSync(inPackage)) return inPackage;
  const available = fs.existsSync(path.join(PACKAGE_ROOT, 'launch'))
    ? fs.readdirSync(path.join(PACKAGE_ROOT, 'launch')).filter((f) => f.endsWith('.launch.xml'))
    : [];
  throw new Error(`launch file '${file}' not found (neither ${direct} nor ${inPackage}); available: ${available.join(', ') || 'none'}`);
}
