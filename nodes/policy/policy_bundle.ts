// Loading a policy bundle folder: the manifest, its statistics file, and the absolute paths
// of every file it names (models, tokenizer, detector, calibration), each checked to exist.

import fs from 'node:fs';
import path from 'node:path';
import { packagePath } from '../package_paths.js';
import { ManifestError, parseManifest, type PolicyManifest } from './manifest.js';
import { errorText } from '../error_text.js';

export interface PolicyBundle {
  /** Absolute path of the bundle folder. */
  dir: string;
  manifest: PolicyManifest;
  /** Absolute path of a file named in the manifest (relative paths resolve against the bundle). */
  file(relative: string): string;
}

/**
 * Resolves a `policy_bundle` parameter: an absolute path, a path relative to the working
 * directory, or the name of a bundle shipped in config/policies/.
 */
export function resolveBundleDir(spec: string, cwd = process.cwd()): string {
  const candidates = [path.resolve(cwd, spec), packagePath('config', 'policies', spec)];
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'manifest.yaml')));
  if (found === undefined) {
    throw new ManifestError(`policy bundle '${spec}' not found: no manifest.yaml in ${candidates.join(' or ')}`);
  }
  return found;
}

export function loadPolicyBundle(spec: string): PolicyBundle {
  const dir = resolveBundleDir(spec);
  const manifestPath = path.join(dir, 'manifest.yaml');
  const text = fs.readFileSync(manifestPath, 'utf8');
  const statsName = /^normalization:\s*(\S+)\s*$/m.exec(text)?.[1];
  let stats: unknown;
  const statsPath = statsName === undefined ? undefined : path.resolve(dir, statsName.replace(/^['"]|['"]$/g, ''));
  if (statsPath !== undefined) {
    if (!fs.existsSync(statsPath)) throw new ManifestError(`${manifestPath}: field 'normalization': file ${statsPath} does not exist`);
    try {
      stats = JSON.parse(fs.readFileSync(statsPath, 'utf8'));
    } catch (err) {
      throw new ManifestError(`${statsPath}: not valid JSON: ${errorText(err)}`);
    }
  }
  const manifest = parseManifest(text, manifestPath, stats, statsPath ?? 'normalization statistics');
  const file = (relative: string) => path.resolve(dir, relative);
  const named: Array<[string, string]> = [
    ['vlm.model', manifest.vlm.model],
    ['expert.model', manifest.expert.model],
    ['instruction.tokenizer', manifest.instruction.tokenizer],
  ];
  if (manifest.failureMonitor !== undefined) {
    named.push(
      ['failure_monitor.detector', manifest.failureMonitor.detector],
      ['failure_monitor.calibration', manifest.failureMonitor.calibration],
    );
  }
  for (const [field, rel] of named) {
    if (!fs.existsSync(file(rel))) throw new ManifestError(`${manifestPath}: field '${field}': file ${file(rel)} does not exist`);
  }
  return { dir, manifest, file };
}
