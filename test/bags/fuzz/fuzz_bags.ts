// `npm run fuzz:bags -- --cases 20000 [--seed 1] [--jobs 2]`: the bag-reader fuzzer (bag_fuzz.ts)
// at any size. Prints the counts (cases, read, project errors, foreign errors, aborts, hangs,
// stalls, time), every stall and every finding with its case number, seed bag and mutation; exits 1 when there is a
// finding. The same seed and case number reproduce a case on any machine.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFuzz } from './bag_fuzz.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`fuzz:bags: --${name} expects a whole number, got '${process.argv[i + 1] ?? ''}'\n`);
    process.exit(2);
  }
  return value;
}

const known = new Set(['--cases', '--seed', '--jobs']);
const unknown = process.argv.slice(2).filter((a, i, all) => a.startsWith('--') && !known.has(a) && !known.has(all[i - 1]));
if (unknown.length > 0) {
  process.stderr.write(`fuzz:bags: unknown option ${unknown.join(' ')} (--cases N, --seed N, --jobs N)\n`);
  process.exit(2);
}
const cases = option('cases', 2000);
const seed = option('seed', 1);
const jobs = option('jobs', Math.max(1, Math.min(4, os.availableParallelism())));
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla-bag-fuzz-'));
let shown = 0;
try {
  const summary = await runFuzz({
    cases,
    seed,
    jobs,
    workDir,
    onProgress: (done, total) => {
      if (done - shown >= total / 20 || done === total) {
        shown = done;
        process.stderr.write(`fuzz:bags ${done}/${total}\n`);
      }
    },
  });
  process.stdout.write(
    `bag fuzz: ${summary.cases} cases (seed ${summary.seed}, ${jobs} jobs) in ${summary.seconds.toFixed(1)} s: ` +
      `${summary.read} read, ${summary.projectErrors} project errors, ${summary.foreignErrors} foreign errors, ${summary.aborts} aborts, ${summary.hangs} hangs, ${summary.stalls.length} stalls\n`,
  );
  for (const [name, s] of Object.entries(summary.perSeed))
    process.stdout.write(`  ${name.padEnd(22)} ${String(s.cases).padStart(6)} cases, ${String(s.read).padStart(6)} read\n`);
  for (const s of summary.stalls)
    process.stdout.write(
      `  STALL case ${s.index} (${s.seed}; ${s.mutation}): ${s.stalled ?? ''}; in a fresh child: ${s.outcome}${s.detail !== undefined ? `: ${s.detail}` : ''} (not a finding)\n`,
    );
  for (const f of summary.findings)
    process.stdout.write(`  FINDING case ${f.index} (${f.seed}; ${f.mutation}): ${f.outcome}: ${f.detail ?? ''}\n`);
  process.exitCode = summary.findings.length > 0 ? 1 : 0;
} finally {
  fs.rmSync(workDir, { recursive: true, force: true });
}
