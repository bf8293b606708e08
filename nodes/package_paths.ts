// Where the package's data lives at run time. The compiled code sits in <root>/dist/nodes/,
// both in a git checkout and in a colcon install (share/vla_ros/dist/nodes/), so msgs/,
// config/ and launch/ are found relative to this file, never relative to the cwd.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: the checkout, or share/vla_ros in a colcon install. */
export const PACKAGE_ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
