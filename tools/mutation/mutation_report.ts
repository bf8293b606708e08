// Turns StrykerJS's JSON reports (the committed incremental file of each module, mutation-testing-report-schema)
// into the generated part of docs/mutation-testing.md: the score per module and per file, and
// every surviving mutant with the reason it is kept (docs/mutation/survivors.json). The same
// functions back test/mutation/mutation_report.test.ts, which fails when a mutated source no
// longer matches the report, the doc is stale, or a module's score fell below its floor
// (docs/mutation/floors.json).
//
//   npm run mutate                                  (stryker run per module, then this script)
//   node dist/tools/mutation/mutation_report.js     (rewrite the doc from the kept report)

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What is mutated, with which tests and towards which score, per module. */
export const MODULES_FILE = 'tools/mutation/modules.json';
/** The kept (incremental) Stryker report of a module. */
export const reportFile = (module: string) => `docs/mutation/${module}.json`;
export const REPORT_FILES = 'docs/mutation/<module>.json';
export const REASONS_FILE = 'docs/mutation/survivors.json';
/** Per-module score floors [%]: the kept report may not fall below them (ratchet up, never down). */
export const FLOORS_FILE = 'docs/mutation/floors.json';
export const DOC_FILE = 'docs/mutation-testing.md';
export const REFRESH_COMMAND = 'npm run mutate';
const START = '<!-- mutation-report:start -->';
const END = '<!-- mutation-report:end -->';

export interface MutationModule {
  /** Score target [%] (issue 15: 90 for controller_bridge and failure_monitor, 85 for the others). */
  target: number;
  /** The mutated source files (no globs: the guard compares them with the kept report). */
  mutate: string[];
  /** The compiled unit tests Stryker runs (dist/test/…). */
  spec: string[];
}

export type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface Position {
  line: number;
  column: number;
}

export interface MutantResult {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: MutantStatus;
  statusReason?: string;
  location: { start: Position; end: Position };
}

export interface FileResult {
  source: string;
  mutants: MutantResult[];
}

export interface MutationReport {
  files: Record<string, FileResult>;
  /** The tests Stryker ran, with their text (compiled dist/test/*.js). */
  testFiles?: Record<string, { source?: string }>;
}

export interface Tally {
  mutants: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Static mutants (ignoreStatic) and mutants disabled in the source. */
  ignored: number;
  /** Compile or runtime errors: invalid mutants, not counted. */
  invalid: number;
}

/** Detected / (detected + undetected), in %: Stryker's mutation score. NaN without valid mutants. */
export function score(t: Tally): number {
  const detected = t.killed + t.timeout;
  return (100 * detected) / (detected + t.survived + t.noCoverage);
}

function tally(mutants: readonly MutantResult[]): Tally {
  const t: Tally = { mutants: mutants.length, killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, invalid: 0 };
  for (const m of mutants) {
    if (m.status === 'Killed') t.killed++;
    else if (m.status === 'Timeout') t.timeout++;
    else if (m.status === 'Survived') t.survived++;
    else if (m.status === 'NoCoverage') t.noCoverage++;
    else if (m.status === 'Ignored') t.ignored++;
    else t.invalid++;
  }
  return t;
}

/** The source text a mutant replaces (locations: 1-based lines and columns, end exclusive). */
export function originalText(source: string, m: MutantResult): string {
  const lines = source.split('\n');
  const { start, end } = m.location;
  const text =
    start.line === end.line
      ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
      : [
          lines[start.line - 1].slice(start.column - 1),
          ...lines.slice(start.line, end.line - 1),
          lines[end.line - 1].slice(0, end.column - 1),
        ].join('\n');
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * How a survivor is named in docs/mutation/survivors.json: file, mutator, original text and
 * replacement — no line number, so a reason stays attached when code above it moves.
 */
export function survivorKey(file: string, source: string, m: MutantResult): string {
  return `${file} ${m.mutatorName}: ${originalText(source, m)} -> ${(m.replacement ?? '').replace(/\s+/g, ' ').trim()}`;
}

export interface Survivor {
  file: string;
  line: number;
  key: string;
  mutator: string;
  original: string;
  replacement: string;
  status: MutantStatus;
  reason: string | undefined;
}

export interface Summary {
  modules: { module: string; target: number; files: number; tally: Tally }[];
  files: { file: string; tally: Tally }[];
  survivors: Survivor[];
}

/** Scores and survivors of every module's report (`reports`: module name → its kept report). */
export function summarise(
  reports: Readonly<Record<string, MutationReport>>,
  modules: Readonly<Record<string, MutationModule>>,
  reasons: Readonly<Record<string, string>>,
): Summary {
  const names = Object.keys(reports).sort();
  const files: string[] = [];
  const survivors: Survivor[] = [];
  const summaryModules: Summary['modules'] = [];
  const sources = new Map<string, FileResult>();
  for (const name of names) {
    const report = reports[name];
    const own = Object.keys(report.files).sort();
    const target = modules[name]?.target;
    if (target === undefined) throw new Error(`${reportFile(name)}: ${name} is not a module of ${MODULES_FILE}`);
    summaryModules.push({ module: name, target, files: own.length, tally: tally(own.flatMap((f) => report.files[f].mutants)) });
    for (const file of own) {
      files.push(file);
      sources.set(file, report.files[file]);
    }
  }
  for (const file of files) {
    const { source, mutants } = sources.get(file) as FileResult;
    for (const m of mutants) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      const key = survivorKey(file, source, m);
      survivors.push({
        file,
        line: m.location.start.line,
        key,
        mutator: m.mutatorName,
        original: originalText(source, m),
        replacement: (m.replacement ?? '').replace(/\s+/g, ' ').trim(),
        status: m.status,
        reason: reasons[key],
      });
    }
  }
  survivors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.key.localeCompare(b.key));
  return {
    modules: summaryModules,
    files: files.sort().map((file) => ({ file, tally: tally((sources.get(file) as FileResult).mutants) })),
    survivors,
  };
}

const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(1)} %`);
const cell = (s: string, max = 70) => {
  const t = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return `\`${t.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
};

/** The generated block (without its first line, which carries the date and machine). */
export function renderTables(s: Summary): string {
  const out: string[] = [];
  const row = (name: string, t: Tally, extra: string) =>
    `| ${name} | ${t.mutants} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.ignored} | ${t.invalid} | ${pct(score(t))} | ${extra} |`;
  const head = '| Mutants | Killed | Timeout | Survived | No coverage | Ignored (static) | Invalid | Score |';
  out.push('### Score per module', '', `| Module ${head} Target |`, `|---|---:|---:|---:|---:|---:|---:|---:|---:|---|`);
  for (const m of s.modules) {
    out.push(row(`${m.module} (${m.files} files)`, m.tally, `≥ ${m.target} % ${score(m.tally) >= m.target ? 'met' : '**not met**'}`));
  }
  out.push('', '### Score per file', '', `| File ${head}`, `|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const f of s.files) out.push(row(f.file, f.tally, '').replace(/ \| {2}\|$/, ' |'));
  out.push('', '### Surviving mutants', '');
  if (s.survivors.length === 0) out.push('None.');
  else {
    out.push('| Where | Mutator | Original → mutant | Why it is kept |', '|---|---|---|---|');
    for (const v of s.survivors) {
      const status = v.status === 'NoCoverage' ? ' (no coverage)' : '';
      out.push(
        `| ${v.file}:${v.line} | ${v.mutator}${status} | ${cell(v.original)} → ${cell(v.replacement)} | ${v.reason ?? '**no reason recorded**'} |`,
      );
    }
  }
  return out.join('\n');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Why a module's kept report no longer describes the code, one line per file: a mutated source or
 * a test Stryker ran (compiled, in dist/) changed since the run, or the module's file lists in
 * modules.json differ from what the report covers. Empty when the report is current.
 */
export function staleFiles(report: MutationReport, module: MutationModule, root: string): string[] {
  const problems: string[] = [];
  const differs = (file: string, kept: string | undefined) => {
    const p = path.join(root, file);
    if (kept === undefined) problems.push(`${file}: not in the report`);
    else if (!fs.existsSync(p)) problems.push(`${file}: missing`);
    else if (sha256(fs.readFileSync(p, 'utf8')) !== sha256(kept)) problems.push(`${file}: changed since the run`);
  };
  for (const file of [...new Set([...module.mutate, ...Object.keys(report.files)])].sort()) {
    if (!module.mutate.includes(file)) problems.push(`${file}: in the report, no longer mutated`);
    else differs(file, report.files[file]?.source);
  }
  const tests = report.testFiles ?? {};
  for (const file of [...new Set([...module.spec, ...Object.keys(tests)])].sort()) {
    if (!module.spec.includes(file)) problems.push(`${file}: in the report, no longer run`);
    else differs(file, tests[file]?.source);
  }
  return problems;
}

export function readModules(root: string): Record<string, MutationModule> {
  return JSON.parse(fs.readFileSync(path.join(root, MODULES_FILE), 'utf8')) as Record<string, MutationModule>;
}

/** The kept report of every module of modules.json; a module never run fails with the command that runs it. */
export function readReports(root: string): Record<string, MutationReport> {
  const reports: Record<string, MutationReport> = {};
  for (const name of Object.keys(readModules(root))) {
    const file = path.join(root, reportFile(name));
    if (!fs.existsSync(file)) throw new Error(`${reportFile(name)} is missing: run \`${REFRESH_COMMAND} -- ${name}\` and commit it`);
    reports[name] = JSON.parse(fs.readFileSync(file, 'utf8')) as MutationReport;
  }
  return reports;
}

export function readFloors(root: string): Record<string, number> {
  return JSON.parse(fs.readFileSync(path.join(root, FLOORS_FILE), 'utf8')) as Record<string, number>;
}

export function readReasons(root: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(root, REASONS_FILE), 'utf8')) as Record<string, string>;
}

/** The generated block of the doc, split into its first line (date, machine) and the tables. */
export function docBlock(doc: string): { stamp: string; tables: string } | undefined {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) return undefined;
  const body = doc.slice(a + START.length, b).trim();
  const nl = body.indexOf('\n');
  return { stamp: body.slice(0, nl), tables: body.slice(nl + 1).trim() };
}

function machine(): string {
  let distro: string = os.platform();
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? distro;
  } catch {
    // not Linux: the platform name is enough
  }
  return `${os.cpus().length}-core ${distro}, Node ${process.version}`;
}

/** Rewrites the generated block of docs/mutation-testing.md from the kept reports and prints the scores. */
export function writeDoc(root: string): void {
  const summary = summarise(readReports(root), readModules(root), readReasons(root));
  const docPath = path.join(root, DOC_FILE);
  const doc = fs.readFileSync(docPath, 'utf8');
  if (docBlock(doc) === undefined) throw new Error(`${DOC_FILE}: no ${START} … ${END} block`);
  const stamp = `Generated ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()} from ${REPORT_FILES}.`;
  const block = `${START}\n${stamp}\n\n${renderTables(summary)}\n${END}`;
  fs.writeFileSync(docPath, doc.slice(0, doc.indexOf(START)) + block + doc.slice(doc.indexOf(END) + END.length));
  const floors = readFloors(root);
  for (const m of summary.modules) {
    const floor = floors[m.module];
    const below = floor === undefined || score(m.tally) < floor ? `  BELOW the floor ${floor ?? '(none)'} % in ${FLOORS_FILE}` : '';
    console.log(`${m.module.padEnd(28)} ${pct(score(m.tally)).padStart(8)}  (target ${m.target} %)${below}`);
  }
  const unexplained = summary.survivors.filter((v) => v.reason === undefined);
  console.log(
    `${summary.survivors.length} surviving mutant(s), ${unexplained.length} without a reason in ${REASONS_FILE}; ${DOC_FILE} updated`,
  );
  for (const v of unexplained) console.log(`  ${v.file}:${v.line}  ${JSON.stringify(v.key)}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeDoc(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..'));
}
