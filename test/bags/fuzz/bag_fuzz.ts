// A bounded, seeded byte-mutation fuzzer of the bag readers. Seed bags (MCAP with zstd, lz4,
// uncompressed and no chunks; sqlite3 .db3 of Humble's and Iron's schema; bag directories whose
// metadata.yaml is mutated) are mutated byte-wise — bit flips, overwrites, interesting integers
// (2^31, 2^32 - 1, 2^63, the file size …) biased towards headers, summaries and page headers,
// truncation, deletion, insertion — and read the way `bag info`, `replay` and `bag convert` read
// them. Case i of seed s is the same mutation on every machine (seededRandom(mixSeed(s, i))).
//
// The reads run in child processes (fuzz_worker.ts): a native abort or a hang ends the child, not
// the run, and is reported as a finding. A case that hangs is run once more in a fresh child: a
// hang that repeats is a finding; one that then finishes is a *stall*, printed with both runs
// (how much CPU the stuck child had used says whether it was computing or waiting) but not a
// finding, since a case's bytes are the same in both runs and a loaded machine can stop a process
// for seconds. Each case ends one of three ways:
//   - read: the bag was read (notes, truncation, undecodable messages are fine);
//   - project error: the one line the CLI prints with exit 1 (a BagReadError/BagWriteError, see
//     isProjectError);
//   - foreign error (any other exception, or a project error of several lines), abort or hang:
//     a bug.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mixSeed, pick, seededRandom, type Random } from '../../../nodes/random/seeded_random.js';
import { asBagCliError } from '../../../nodes/cli/bag_command.js';
import { CliError } from '../../../nodes/cli/cli_error.js';
import { registry, sampleMessages, START_NS, writeSample, writeSqliteBag } from '../helpers.js';

/** A seed bag: what is opened, and the one file of it that is mutated. */
export interface SeedBag {
  name: string;
  /** Relative to the corpus directory: a file, or a bag directory. */
  bag: string;
  /** Relative to the corpus directory: the file mutated. */
  target: string;
  kind: 'mcap' | 'db3' | 'yaml';
}

export type Outcome = 'read' | 'project-error' | 'foreign-error' | 'abort' | 'hang';

export interface CaseResult {
  index: number;
  seed: string;
  mutation: string;
  outcome: Outcome;
  /** The error's first line (and its origin for foreign errors), or how the child ended. */
  detail?: string;
  messages?: number;
  /** A case that hung once and finished when run again: how the first run ended. */
  stalled?: string;
}

export interface FuzzSummary {
  cases: number;
  seed: number;
  read: number;
  projectErrors: number;
  foreignErrors: number;
  aborts: number;
  hangs: number;
  /** Cases that hung once and finished in a fresh child (counted under their second outcome). */
  stalls: CaseResult[];
  seconds: number;
  /** Cases per seed bag, and how many of them were read. */
  perSeed: Record<string, { cases: number; read: number }>;
  /** Every case that is a bug (foreign error, abort, hang). */
  findings: CaseResult[];
}

/** Whether `err` is the project's own one-line error for bad bag input (what the CLI prints with exit 1). */
export function isProjectError(err: unknown): boolean {
  const cli = asBagCliError(err);
  return cli instanceof CliError && cli.exitCode === 1 && !/[\r\n]/.test(cli.message);
}

/** Writes the seed bags into `dir`. */
export async function writeSeedBags(dir: string): Promise<SeedBag[]> {
  fs.mkdirSync(dir, { recursive: true });
  const messages = sampleMessages(12).map((m) =>
    m.topic === '/camera/image_raw'
      ? { ...m, message: { ...m.message, height: 4, width: 5, step: 15, data: new Uint8Array(60).fill(7) } }
      : m,
  );
  const seeds: SeedBag[] = [];
  for (const [name, options] of [
    ['mcap_zstd', { compression: 'zstd', chunkSize: 1024 }],
    ['mcap_lz4', { compression: 'lz4', chunkSize: 1024 }],
    ['mcap_uncompressed', { compression: 'none', chunkSize: 1024 }],
    ['mcap_unchunked', { chunked: false }],
  ] as const) {
    await writeSample(path.join(dir, `${name}.mcap`), options, messages);
    seeds.push({ name, bag: `${name}.mcap`, target: `${name}.mcap`, kind: 'mcap' });
  }
  const rows = messages
    .filter((m) => m.topic === '/chatter' || m.topic === '/joint_states')
    .map((m) => ({ topic: m.topic, ns: m.logTime, data: registry.serialize(m.type, m.message) }));
  const topics = [
    { name: '/chatter', type: 'std_msgs/msg/String', definition: 'string data\n' },
    { name: '/joint_states', type: 'sensor_msgs/msg/JointState' },
  ];
  for (const schema of ['humble', 'iron'] as const) {
    await writeSqliteBag(path.join(dir, `${schema}.db3`), schema, topics, rows);
    seeds.push({ name: `db3_${schema}`, bag: `${schema}.db3`, target: `${schema}.db3`, kind: 'db3' });
  }
  await writeSample(path.join(dir, 'bag_dir'), { compression: 'zstd' }, messages.slice(0, 12));
  seeds.push({ name: 'metadata_yaml', bag: 'bag_dir', target: path.join('bag_dir', 'metadata.yaml'), kind: 'yaml' });
  fs.mkdirSync(path.join(dir, 'db3_dir'));
  fs.copyFileSync(path.join(dir, 'iron.db3'), path.join(dir, 'db3_dir', 'db3_dir_0.db3'));
  fs.writeFileSync(
    path.join(dir, 'db3_dir', 'metadata.yaml'),
    [
      'rosbag2_bagfile_information:',
      '  version: 8',
      '  storage_identifier: sqlite3',
      '  duration:',
      `    nanoseconds: ${rows[rows.length - 1].ns - rows[0].ns}`,
      '  starting_time:',
      `    nanoseconds_since_epoch: ${START_NS}`,
      `  message_count: ${rows.length}`,
      '  topics_with_message_count:',
      ...topics.flatMap((t) => [
        '    - topic_metadata:',
        `        name: ${t.name}`,
        `        type: ${t.type}`,
        '        serialization_format: cdr',
        '        offered_qos_profiles: ""',
        '        type_description_hash: ""',
        `      message_count: ${rows.filter((r) => r.topic === t.name).length}`,
      ]),
      '  compression_format: ""',
      '  compression_mode: ""',
      '  relative_file_paths:',
      '    - db3_dir_0.db3',
      '  files:',
      '    - path: db3_dir_0.db3',
      '      starting_time:',
      `        nanoseconds_since_epoch: ${START_NS}`,
      '      duration:',
      '        nanoseconds: 0',
      `      message_count: ${rows.length}`,
      '  custom_data: ~',
      '  ros_distro: rolling',
      '',
    ].join('\n'),
  );
  seeds.push({ name: 'metadata_yaml_sqlite3', bag: 'db3_dir', target: path.join('db3_dir', 'metadata.yaml'), kind: 'yaml' });
  return seeds;
}

const INTERESTING = [
  0n,
  1n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  2n ** 53n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];

/** Where the length fields of the top-level MCAP records are (after each opcode). */
function mcapLengthFields(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let p = 8; p + 9 <= bytes.length && out.length < 10_000;) {
    out.push(p + 1);
    const length = view.getBigUint64(p + 1, true);
    if (length > BigInt(bytes.length)) break;
    p += 9 + Number(length);
  }
  return out;
}

/** An offset, half the time in the structural parts of the file (record lengths and ends for MCAP, page headers for SQLite). */
function offsetIn(bytes: Uint8Array, kind: SeedBag['kind'], random: Random): number {
  const n = bytes.length;
  if (n === 0) return 0;
  if (random() < 0.5 || kind === 'yaml') return Math.floor(random() * n);
  if (kind === 'mcap' && random() < 0.3) {
    const fields = mcapLengthFields(bytes);
    if (fields.length > 0) return pick(random, fields);
  }
  if (kind === 'db3') {
    const pageSize = (bytes[16] << 8) | bytes[17] || 4096;
    const pages = Math.max(1, Math.floor(n / pageSize));
    return Math.min(n - 1, Math.floor(random() * pages) * pageSize + Math.floor(random() * (random() < 0.5 ? 100 : 16)));
  }
  const span = Math.min(n, 512);
  return random() < 0.4 ? Math.floor(random() * span) : n - 1 - Math.floor(random() * Math.min(n, 2048));
}

/** One to three byte mutations of `input`, and what they were. */
export function mutate(input: Uint8Array, kind: SeedBag['kind'], random: Random): { bytes: Uint8Array; description: string } {
  let bytes = Uint8Array.from(input);
  const steps: string[] = [];
  const count = 1 + Math.floor(random() * 3);
  for (let s = 0; s < count; s++) {
    const at = offsetIn(bytes, kind, random);
    const op = pick(random, ['flip', 'byte', 'int', 'int', 'truncate', 'delete', 'insert', 'duplicate'] as const);
    switch (op) {
      case 'flip': {
        const bit = Math.floor(random() * 8);
        if (at < bytes.length) bytes[at] ^= 1 << bit;
        steps.push(`flip bit ${bit} of byte ${at}`);
        break;
      }
      case 'byte': {
        const k = 1 + Math.floor(random() * 4);
        for (let j = 0; j < k && at + j < bytes.length; j++) bytes[at + j] = Math.floor(random() * 256);
        steps.push(`${k} random bytes at ${at}`);
        break;
      }
      case 'int': {
        const width = pick(random, [2, 4, 8] as const);
        const value = random() < 0.15 ? BigInt(bytes.length + Math.floor(random() * 3) - 1) : pick(random, INTERESTING);
        const big = random() < 0.25;
        for (let j = 0; j < width && at + j < bytes.length; j++) {
          const shift = BigInt(8 * (big ? width - 1 - j : j));
          bytes[at + j] = Number((value >> shift) & 0xffn);
        }
        steps.push(`u${width * 8}${big ? 'be' : 'le'} ${value} at ${at}`);
        break;
      }
      case 'truncate':
        bytes = bytes.slice(0, at);
        steps.push(`truncate at ${at}`);
        break;
      case 'delete': {
        const k = 1 + Math.floor(random() * 64);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + k)]);
        steps.push(`delete ${k} bytes at ${at}`);
        break;
      }
      case 'insert': {
        const k = 1 + Math.floor(random() * 16);
        const extra = Array.from({ length: k }, () => Math.floor(random() * 256));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
        steps.push(`insert ${k} bytes at ${at}`);
        break;
      }
      case 'duplicate': {
        const k = 1 + Math.floor(random() * 64);
        bytes = Uint8Array.from([...bytes.subarray(0, at + k), ...bytes.subarray(at, at + k), ...bytes.subarray(at + k)]);
        steps.push(`duplicate ${k} bytes at ${at}`);
        break;
      }
    }
  }
  return { bytes, description: steps.join('; ') };
}

/** The seed bag and the mutation of case `index`. */
export function fuzzCase(
  seeds: readonly SeedBag[],
  corpus: string,
  seed: number,
  index: number,
): { seedBag: SeedBag; bytes: Uint8Array; description: string } {
  const random = seededRandom(mixSeed(seed, index));
  const seedBag = seeds[index % seeds.length];
  const { bytes, description } = mutate(fs.readFileSync(path.join(corpus, seedBag.target)), seedBag.kind, random);
  return { seedBag, bytes, description };
}

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz_worker.js');

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Child processes reading in parallel (default 2). */
  jobs?: number;
  /** A case that takes longer is a hang (default 20 s). */
  caseTimeoutMs?: number;
  /** Scratch directory (default: a fresh one under the OS temp dir, removed afterwards). */
  workDir: string;
  onProgress?: (done: number, total: number) => void;
  /** The child's script (default fuzz_worker.js; tests check the bookkeeping with a stand-in). */
  worker?: string;
}

/** Runs cases 0 … cases-1 in `jobs` child processes; a child that dies or hangs is replaced and its case recorded. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  const corpus = path.join(o.workDir, 'seeds');
  const seeds = await writeSeedBags(corpus);
  fs.writeFileSync(path.join(corpus, 'seeds.json'), JSON.stringify(seeds));
  const results: CaseResult[] = [];
  const jobs = Math.max(1, o.jobs ?? 2);
  const timeout = o.caseTimeoutMs ?? 20_000;
  // Contiguous ranges per job; a range continues in a fresh child after an abort or a hang.
  const per = Math.ceil(o.cases / jobs);
  const ranges = Array.from({ length: jobs }, (_, j) => [j * per, Math.min(o.cases, (j + 1) * per)] as const).filter(([a, b]) => a < b);
  await Promise.all(
    ranges.map(async ([from, to], j) => {
      const record = (r: CaseResult) => {
        results.push(r);
        o.onProgress?.(results.length, o.cases);
      };
      const run = (first: number, end: number, onResult: (r: CaseResult) => void) =>
        runChild(o.worker ?? WORKER, path.join(o.workDir, `job${j}`), corpus, o.seed, first, end, timeout, seeds, onResult);
      let next = from;
      while (next < to) {
        const ended = await run(next, to, record);
        next = ended.next;
        if (ended.result === undefined) continue;
        if (ended.result.outcome !== 'hang') {
          record(ended.result);
          continue;
        }
        let again: CaseResult | undefined;
        const rerun = await run(ended.result.index, ended.result.index + 1, (r) => (again = r));
        again ??= rerun.result!;
        if (again.outcome === 'hang')
          record({ ...ended.result, detail: `${ended.result.detail}; again in a fresh child: ${again.detail}` });
        else record({ ...again, stalled: ended.result.detail });
      }
    }),
  );
  results.sort((a, b) => a.index - b.index);
  const perSeed: FuzzSummary['perSeed'] = {};
  for (const r of results) {
    const s = (perSeed[r.seed] ??= { cases: 0, read: 0 });
    s.cases++;
    if (r.outcome === 'read') s.read++;
  }
  const count = (outcome: Outcome) => results.filter((r) => r.outcome === outcome).length;
  return {
    cases: results.length,
    seed: o.seed,
    read: count('read'),
    projectErrors: count('project-error'),
    foreignErrors: count('foreign-error'),
    aborts: count('abort'),
    hangs: count('hang'),
    stalls: results.filter((r) => r.stalled !== undefined),
    seconds: (Date.now() - started) / 1000,
    perSeed,
    findings: results.filter((r) => r.outcome === 'foreign-error' || r.outcome === 'abort' || r.outcome === 'hang'),
  };
}

/** CPU seconds (user + system) a live process has used, from /proc (undefined where there is none). */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

/**
 * One child reading cases [from, to); resolves with the next case to run (to, or the one after a
 * case that killed it) and, when a case killed it, that case's result (not passed to onResult).
 */
function runChild(
  worker: string,
  workDir: string,
  corpus: string,
  seed: number,
  from: number,
  to: number,
  timeout: number,
  seeds: SeedBag[],
  onResult: (r: CaseResult) => void,
): Promise<{ next: number; result?: CaseResult }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [worker, corpus, workDir, String(seed), String(from), String(to)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let current: number | undefined;
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let hung: string | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const cpu = cpuSeconds(child.pid);
        hung = `no result after ${timeout} ms${cpu === undefined ? '' : ` (the child had used ${cpu.toFixed(2)} s of CPU)`}`;
        child.kill('SIGKILL');
      }, timeout);
    };
    arm();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('case ')) {
          current = Number(line.slice(5));
          arm();
        } else if (line.startsWith('result ')) {
          onResult(JSON.parse(line.slice(7)) as CaseResult);
          current = undefined;
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-4000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (current === undefined) {
        if (code === 0) return resolve({ next: to });
        // Died between cases (start-up): nothing to attribute; report it on the first case not run.
        current = from;
      }
      const { seedBag, description } = fuzzCase(seeds, corpus, seed, current);
      const why = stderr.split('\n').find((l) => /Assertion failed|FATAL|terminate|Error/.test(l)) ?? stderr.trim().split('\n')[0] ?? '';
      resolve({
        next: current + 1,
        result: {
          index: current,
          seed: seedBag.name,
          mutation: description,
          outcome: hung !== undefined ? 'hang' : 'abort',
          detail: hung ?? `${signal !== null ? `killed by ${signal}` : `exit ${code}`}: ${why.trim()}`,
        },
      });
    });
  });
}
