// Compares a replay's outputs with a golden recording of them: per topic, the message counts, the
// receive times, and every field of the messages paired in order — numbers within a tolerance
// (action chunk data has its own), strings and booleans exactly — plus a summary of failure alarms.
// The report reads like a diff: what differs, by how much, and where it first differs.
//
// Fields that are measured rather than computed (compute times: `inference_latency`) never match
// between two runs and are ignored. The golden's per-topic message counts (its metadata.yaml) are
// part of what it pins: a topic with messages on one side only is a count difference too.

import { BagReader, type BagRecord } from '../bags/bag_reader.js';
import { fromNanoseconds } from '../ros/time.js';

export interface Tolerance {
  /** Absolute tolerance on ActionChunk data (actions). */
  actions: number;
  /** Absolute tolerance on other numeric fields. */
  values: number;
  /** Tolerance on receive times and time fields [s]. */
  time: number;
  /** Allowed difference in message counts per topic. */
  count: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { actions: 1e-4, values: 1e-4, time: 1e-3, count: 0 };

/**
 * Fields never compared: measured wall-clock compute times. `field` ignores it in every type,
 * `Type.field` only in that message type (short name). The failure monitor reports its measured
 * scoring time as its PathwayStatus latency, so status latencies are not compared.
 */
export const DEFAULT_IGNORED_FIELDS: readonly string[] = ['inference_latency', 'PathwayStatus.latency_p50', 'PathwayStatus.latency_p99'];

export interface CompareOptions {
  tolerance?: Partial<Tolerance>;
  /** Field names (last path component) not compared. */
  ignoreFields?: readonly string[];
  /** Compare only these topics. */
  topics?: readonly string[];
  /** Topics to leave out. */
  excludeTopics?: readonly string[];
}

export interface FieldDiff {
  field: string;
  kind: 'actions' | 'values' | 'time' | 'text';
  maxAbs: number;
  meanAbs: number;
  /** Values compared (or text fields). */
  compared: number;
  /** Values off by more than the tolerance. */
  mismatches: number;
  first?: { index: number; time: number; expected: string; actual: string };
}

export interface TopicComparison {
  topic: string;
  type: string;
  expected: number;
  actual: number;
  timeMaxAbs: number;
  timeMeanAbs: number;
  fields: FieldDiff[];
  problems: string[];
}

export interface AlarmSummary {
  expected: { time: number; detail: string }[];
  actual: { time: number; detail: string }[];
}

export interface GoldenReport {
  ok: boolean;
  topics: TopicComparison[];
  missingTopics: string[];
  extraTopics: string[];
  alarms: AlarmSummary;
  /** Earliest receive time of either recording [s], for relative times in the text. */
  origin: number;
  text: string;
}

interface Side {
  type: string;
  messages: { time: number; value: unknown }[];
}

async function load(bagPath: string, wanted: (topic: string) => boolean, onNote?: (n: string) => void): Promise<Map<string, Side>> {
  const bag = await BagReader.open(bagPath, { onNote });
  const out = new Map<string, Side>();
  try {
    for (const t of await bag.topics()) if (wanted(t.topic) && t.problem === undefined) out.set(t.topic, { type: t.type, messages: [] });
    for await (const m of bag.messages({ topics: (t) => wanted(t.topic) })) {
      out.get(m.topic)?.messages.push({ time: fromNanoseconds(m.logTime), value: decodeOwned(m) });
    }
  } finally {
    bag.close();
  }
  return out;
}

function decodeOwned(m: BagRecord): unknown {
  return m.decode({ copy: true });
}

const isTime = (v: unknown): v is { sec: number; nanosec: number } =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).length === 2 &&
  typeof (v as { sec?: unknown }).sec === 'number' &&
  typeof (v as { nanosec?: unknown }).nanosec === 'number';

type Leaf = { path: string; kind: FieldDiff['kind']; num?: number; text?: string };

/** Flattens a message into comparable leaves; array indices are folded into the field name. */
function leaves(value: unknown, path: string, type: string, ignore: ReadonlySet<string>, out: Leaf[], fieldName = ''): void {
  if (fieldName !== '' && (ignore.has(fieldName) || ignore.has(`${type.slice(type.lastIndexOf('/') + 1)}.${fieldName}`))) return;
  if (isTime(value)) {
    out.push({ path, kind: 'time', num: value.sec + value.nanosec / 1e9 });
    return;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const kind = type.endsWith('/ActionChunk') && fieldName === 'data' ? 'actions' : 'values';
    out.push({ path, kind, num: Number(value) });
    return;
  }
  if (typeof value === 'string' || typeof value === 'boolean') {
    out.push({ path, kind: 'text', text: String(value) });
    return;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < arr.length; i++) leaves(arr[i], `${path}[]`, type, ignore, out, fieldName);
    out.push({ path: `${path}.length`, kind: 'text', text: String(arr.length) });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => leaves(v, `${path}[]`, type, ignore, out, typeof v === 'object' ? String(i) : fieldName));
    out.push({ path: `${path}.length`, kind: 'text', text: String(value.length) });
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) leaves(v, path === '' ? k : `${path}.${k}`, type, ignore, out, k);
  }
}

const NUMBER = /[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi;

/**
 * Text equality where the numbers inside the text (a status message quoting a score) may differ
 * within `tolerance` — their printed precision would otherwise turn a 1e-6 difference into a
 * different string.
 */
export function sameText(a: string, b: string, tolerance: number): boolean {
  if (a === b) return true;
  if (a.replace(NUMBER, '#') !== b.replace(NUMBER, '#')) return false;
  const na = a.match(NUMBER) ?? [];
  const nb = b.match(NUMBER) ?? [];
  return na.length === nb.length && na.every((x, i) => Math.abs(Number(x) - Number(nb[i])) <= tolerance * 1.000001 + 1e-12);
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(4));

function compareTopic(topic: string, e: Side, a: Side, tol: Tolerance, ignore: ReadonlySet<string>, origin: number): TopicComparison {
  const result: TopicComparison = {
    topic,
    type: e.type,
    expected: e.messages.length,
    actual: a.messages.length,
    timeMaxAbs: 0,
    timeMeanAbs: 0,
    fields: [],
    problems: [],
  };
  if (e.type !== a.type) {
    result.problems.push(`type ${a.type} in the replay, ${e.type} in the golden`);
    return result;
  }
  if (Math.abs(e.messages.length - a.messages.length) > tol.count) {
    result.problems.push(`count ${a.messages.length} vs ${e.messages.length} in the golden (tolerance ${tol.count})`);
  }
  const n = Math.min(e.messages.length, a.messages.length);
  const fields = new Map<string, FieldDiff & { sum: number }>();
  let timeSum = 0;
  let firstLate: { index: number; dt: number } | undefined;
  for (let i = 0; i < n; i++) {
    const dt = Math.abs(a.messages[i].time - e.messages[i].time);
    timeSum += dt;
    result.timeMaxAbs = Math.max(result.timeMaxAbs, dt);
    if (dt > tol.time && firstLate === undefined) firstLate = { index: i, dt };
    const le: Leaf[] = [];
    const la: Leaf[] = [];
    leaves(e.messages[i].value, '', e.type, ignore, le);
    leaves(a.messages[i].value, '', a.type, ignore, la);
    const byPath = new Map<string, Leaf[]>();
    for (const l of la) {
      const list = byPath.get(l.path);
      if (list === undefined) byPath.set(l.path, [l]);
      else list.push(l);
    }
    const cursor = new Map<string, number>();
    for (const x of le) {
      const k = cursor.get(x.path) ?? 0;
      cursor.set(x.path, k + 1);
      const y = byPath.get(x.path)?.[k];
      let f = fields.get(x.path);
      if (f === undefined)
        fields.set(x.path, (f = { field: x.path, kind: x.kind, maxAbs: 0, meanAbs: 0, compared: 0, mismatches: 0, sum: 0 }));
      f.compared++;
      const where = () => ({ index: i, time: e.messages[i].time - origin });
      if (y === undefined) {
        f.mismatches++;
        f.first ??= { ...where(), expected: x.text ?? fmt(x.num!), actual: '(missing)' };
        continue;
      }
      if (x.kind === 'text') {
        if (!sameText(x.text!, y.text ?? '', tol.values)) {
          f.mismatches++;
          f.first ??= { ...where(), expected: JSON.stringify(x.text), actual: JSON.stringify(y.text) };
        }
        continue;
      }
      const ex = x.num!;
      const ac = y.num ?? NaN;
      const both = Number.isNaN(ex) && Number.isNaN(ac);
      const d = both ? 0 : Math.abs(ac - ex);
      const limit = x.kind === 'actions' ? tol.actions : x.kind === 'time' ? tol.time : tol.values;
      const diff = Number.isFinite(d) ? d : Infinity;
      f.maxAbs = Math.max(f.maxAbs, diff);
      f.sum += Number.isFinite(diff) ? diff : 0;
      if (!(diff <= limit) && !(ex === ac)) {
        f.mismatches++;
        f.first ??= { ...where(), expected: fmt(ex), actual: fmt(ac) };
      }
    }
  }
  result.timeMeanAbs = n > 0 ? timeSum / n : 0;
  if (firstLate !== undefined) {
    result.problems.push(
      `receive time differs by up to ${fmt(result.timeMaxAbs)} s (tolerance ${tol.time} s), first at message #${firstLate.index} (t=+${(e.messages[firstLate.index].time - origin).toFixed(3)} s)`,
    );
  }
  result.fields = [...fields.values()].map(({ sum, ...f }) => ({ ...f, meanAbs: f.compared > 0 ? sum / f.compared : 0 }));
  for (const f of result.fields) {
    if (f.mismatches === 0) continue;
    const limit = f.kind === 'actions' ? tol.actions : f.kind === 'time' ? tol.time : tol.values;
    const first = f.first!;
    result.problems.push(
      f.kind === 'text'
        ? `${f.field}: ${f.mismatches} of ${f.compared} differ, first at message #${first.index} (t=+${first.time.toFixed(3)} s): ${first.actual} vs ${first.expected} in the golden`
        : `${f.field}${f.kind === 'actions' ? ' (actions)' : ''}: max |Δ| ${fmt(f.maxAbs)}, mean |Δ| ${fmt(f.meanAbs)} > tolerance ${limit}; ${f.mismatches} of ${f.compared} values off, first at message #${first.index} (t=+${first.time.toFixed(3)} s): ${first.actual} vs ${first.expected} in the golden`,
    );
  }
  return result;
}

function alarmsOf(side: Map<string, Side>, origin: number): { time: number; detail: string }[] {
  const out: { time: number; detail: string }[] = [];
  for (const s of side.values()) {
    if (!s.type.endsWith('/FailureAlarm')) continue;
    for (const m of s.messages) {
      const v = m.value as { episode_id?: string; step?: number; reason?: number; score?: number; threshold?: number };
      out.push({
        time: m.time - origin,
        detail: `episode ${v.episode_id ?? '?'} step ${v.step ?? '?'} ${v.reason === 1 ? 'feature timeout' : `score ${fmt(v.score ?? NaN)} >= ${fmt(v.threshold ?? NaN)}`}`,
      });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

/** Compares the outputs in `actualBag` with `goldenBag`. */
export async function compareWithGolden(actualBag: string, goldenBag: string, options: CompareOptions = {}): Promise<GoldenReport> {
  const tol: Tolerance = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  const ignore = new Set(options.ignoreFields ?? DEFAULT_IGNORED_FIELDS);
  const wanted = (topic: string) =>
    (options.topics === undefined || options.topics.includes(topic)) && !(options.excludeTopics ?? []).includes(topic);
  const notes: string[] = [];
  const golden = await load(goldenBag, wanted, (n) => notes.push(`golden: ${n}`));
  const actual = await load(actualBag, wanted, (n) => notes.push(`replay: ${n}`));
  const times = [...golden.values(), ...actual.values()].flatMap((s) => (s.messages.length > 0 ? [s.messages[0].time] : []));
  const origin = times.length > 0 ? Math.min(...times) : 0;
  const missingTopics = [...golden.keys()].filter((t) => !actual.has(t) && golden.get(t)!.messages.length > 0);
  const extraTopics = [...actual.keys()].filter((t) => !golden.has(t) && actual.get(t)!.messages.length > 0);
  const topics: TopicComparison[] = [];
  for (const [topic, e] of golden) {
    const a = actual.get(topic);
    if (a === undefined) continue;
    topics.push(compareTopic(topic, e, a, tol, ignore, origin));
  }
  const alarms: AlarmSummary = { expected: alarmsOf(golden, origin), actual: alarmsOf(actual, origin) };
  const alarmsDiffer =
    alarms.expected.length !== alarms.actual.length || alarms.expected.some((x, i) => Math.abs(x.time - alarms.actual[i].time) > tol.time);
  const failing = topics.filter((t) => t.problems.length > 0);
  const ok = failing.length === 0 && missingTopics.length === 0 && extraTopics.length === 0 && !alarmsDiffer;

  const lines: string[] = [];
  lines.push(
    `replay outputs ${actualBag} vs golden ${goldenBag}: ${topics.length} topic(s) compared (tolerances: actions ${tol.actions}, values ${tol.values}, time ${tol.time} s, count ${tol.count})`,
  );
  const width = Math.max(8, ...topics.map((t) => t.topic.length));
  for (const t of topics) {
    const figures = t.fields.filter((f) => f.kind === 'actions');
    const action =
      figures.length > 0
        ? `, actions max|Δ| ${fmt(Math.max(...figures.map((f) => f.maxAbs)))} mean|Δ| ${fmt(
            figures.reduce((s, f) => s + f.meanAbs * f.compared, 0) /
              Math.max(
                1,
                figures.reduce((s, f) => s + f.compared, 0),
              ),
          )}`
        : '';
    lines.push(
      `  ${t.problems.length > 0 ? 'DIFF' : 'ok  '}  ${t.topic.padEnd(width)}  ${t.actual} msgs (golden ${t.expected}), Δt max ${fmt(t.timeMaxAbs)} s${action}`,
    );
    for (const p of t.problems) lines.push(`          ${p}`);
  }
  for (const t of missingTopics)
    lines.push(`  MISSING ${t}: ${golden.get(t)!.messages.length} message(s) in the golden, none in the replay`);
  for (const t of extraTopics) lines.push(`  EXTRA   ${t}: ${actual.get(t)!.messages.length} message(s) in the replay, none in the golden`);
  const alarmText = (list: { time: number; detail: string }[]) =>
    list.length === 0 ? 'none' : list.map((x) => `t=+${x.time.toFixed(3)} s (${x.detail})`).join(', ');
  lines.push(`  alarms: replay ${alarmText(alarms.actual)}; golden ${alarmText(alarms.expected)}${alarmsDiffer ? '  <- DIFFER' : ''}`);
  for (const n of notes) lines.push(`  note: ${n}`);
  lines.push(
    ok
      ? 'RESULT: the replay matches the golden'
      : `RESULT: the replay DIFFERS from the golden (${failing.length} topic(s) differ${missingTopics.length > 0 ? `, ${missingTopics.length} missing` : ''}${extraTopics.length > 0 ? `, ${extraTopics.length} extra` : ''}${alarmsDiffer ? ', alarms differ' : ''})`,
  );
  return { ok, topics, missingTopics, extraTopics, alarms, origin, text: lines.join('\n') + '\n' };
}
