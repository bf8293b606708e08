// `vla-ros report <bag>`: one self-contained HTML page (inline SVG, no scripts, no network) about
// a run of the suite — a replay's outputs or a recording from a robot:
//   - action chunks over time: action 0 of every chunk per dimension, with every few chunks'
//     whole horizon drawn faintly at the times the actions are meant for;
//   - commanded vs actual pose: target_pose against current_pose, x/y/z;
//   - pathway latencies (latency p50/p99 from each node's ~/status) and latent age (the fast
//     pathway's status, and the latent_age of every chunk);
//   - failure score vs its conformal threshold, alarms marked;
//   - episodes: instruction, outcome, SAFE alarms and the holds they caused (an alarm holds the
//     arm for the rest of its episode; the next episode's START releases it);
//   - a table of every topic (type, count, rate).
// Topics are found by type, so namespaces and remaps do not matter. Every time axis reads seconds
// from the bag's start; header stamps are placed on the log-time axis even when the bag was
// recorded on another clock than its stamps (time_domain.ts).

import fs from 'node:fs';
import { BagReader } from '../bags/bag_reader.js';
import { formatBagInfo } from '../bags/bag_info.js';
import { detectStampDomain } from '../bags/time_domain.js';
import { vla_ros_msgs } from '../msgs/generated/interfaces.js';
import { fromNanoseconds, fromRosTime } from '../ros/time.js';
import { escapeXml, lineChart, PALETTE, type Series } from '../charts/svg_chart.js';

export interface ReportOptions {
  title?: string;
  onNote?: (note: string) => void;
  /** Called with the bag time read so far [s from start] and the total [s]. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

type Point = [number, number];

interface ChunkTopic {
  names: string[];
  first: Point[][];
  horizons: { dim: Point[][] }[];
  latentAge: Point[];
  count: number;
}

interface PoseTopic {
  xyz: [Point[], Point[], Point[]];
}

interface StatusTopic {
  node: string;
  p50: Point[];
  p99: Point[];
  latentAge: Point[];
}

interface ScoreTopic {
  score: Point[];
  threshold: Point[];
  stepScore: Point[];
}

const POSE_TYPE = 'geometry_msgs/msg/PoseStamped';
const { EVENT_START, EVENT_END } = vla_ros_msgs.msg.EpisodeEvent;

export interface EpisodeRow {
  id: string;
  instruction: string;
  /** START, END [s from the bag start]; undefined when the bag does not hold them (it began or ended mid-episode). */
  start?: number;
  end?: number;
  success?: boolean;
  alarms: { t: number; detail: string }[];
  holds: { t: number; source: string; reason: string; scoped: boolean }[];
  /** An explicit resume (HoldRequest hold=false) during the episode [s]. */
  resumedAt?: number;
}

export interface ReportData {
  title: string;
  bag: string;
  infoText: string;
  start: number;
  duration: number;
  chunks: Map<string, ChunkTopic>;
  poses: Map<string, PoseTopic>;
  statuses: Map<string, StatusTopic>;
  scores: Map<string, ScoreTopic>;
  alarms: { t: number; label: string; detail: string }[];
  episodes: EpisodeRow[];
  topics: { topic: string; type: string; count: number }[];
}

/** The message types the report reads. */
export const REPORT_TYPES: ReadonlySet<string> = new Set([
  'vla_ros_msgs/msg/ActionChunk',
  POSE_TYPE,
  'vla_ros_msgs/msg/PathwayStatus',
  'vla_ros_msgs/msg/FailureScore',
  'vla_ros_msgs/msg/FailureAlarm',
  'vla_ros_msgs/msg/EpisodeEvent',
  'vla_ros_msgs/msg/HoldRequest',
  'vla_ros_msgs/msg/Instruction',
]);

/** About this many whole chunk horizons are drawn per topic, evenly spread. */
const HORIZONS_PER_TOPIC = 25;

interface ChunkRecord {
  t0: number;
  dt: number;
  horizon: number;
  data: Float32Array;
}

/**
 * Accumulates what the report plots, message by message: from a closed bag (collectReportData),
 * or live while a suite runs (`sim run --record` feeds it what it records, so its report needs no
 * second pass over a bag of 100+ MB). Times given to `add` are log times [s]; header stamps are
 * moved onto that clock by `stampToLog` (time_domain.ts). `finish` turns every
 * time into seconds from the bag's start.
 */
export class ReportCollector {
  private readonly chunks = new Map<string, ChunkTopic & { records: ChunkRecord[] }>();
  private readonly poses = new Map<string, PoseTopic>();
  private readonly statuses = new Map<string, StatusTopic>();
  private readonly scores = new Map<string, ScoreTopic>();
  private readonly alarms: ReportData['alarms'] = [];
  private readonly episodes: EpisodeRow[] = [];
  private readonly episodeById = new Map<string, EpisodeRow>();

  /** `stampToLog`: a header stamp on the log clock (default: the same clock). */
  constructor(private readonly stampToLog: (stamp: number) => number = (t) => t) {}

  private episodeOf(id: string): EpisodeRow {
    let row = this.episodeById.get(id);
    if (row === undefined) {
      row = { id, instruction: '', alarms: [], holds: [] };
      this.episodeById.set(id, row);
      this.episodes.push(row);
    }
    return row;
  }

  /** One message of a REPORT_TYPES type (others are ignored), received at log time `t` [s]. */
  add(type: string, topic: string, t: number, msg: unknown): void {
    switch (type) {
      case 'vla_ros_msgs/msg/ActionChunk': {
        const c = msg as vla_ros_msgs.msg.ActionChunk;
        let chunks = this.chunks.get(topic);
        if (chunks === undefined) {
          chunks = {
            names: [...c.dimension_names],
            first: c.dimension_names.map(() => []),
            horizons: [],
            latentAge: [],
            count: 0,
            records: [],
          };
          this.chunks.set(topic, chunks);
        }
        const t0 = this.stampToLog(fromRosTime(c.start_time));
        for (let j = 0; j < Math.min(c.dimension_names.length, chunks.first.length); j++) chunks.first[j].push([t0, c.data[j]]);
        chunks.records.push({ t0, dt: c.dt, horizon: c.horizon, data: Float32Array.from(c.data) });
        chunks.latentAge.push([t, c.latent_age]);
        chunks.count++;
        break;
      }
      case POSE_TYPE: {
        const p = (msg as { pose: { position: { x: number; y: number; z: number } } }).pose.position;
        let pose = this.poses.get(topic);
        if (pose === undefined) this.poses.set(topic, (pose = { xyz: [[], [], []] }));
        pose.xyz[0].push([t, p.x]);
        pose.xyz[1].push([t, p.y]);
        pose.xyz[2].push([t, p.z]);
        break;
      }
      case 'vla_ros_msgs/msg/PathwayStatus': {
        const st = msg as vla_ros_msgs.msg.PathwayStatus;
        let status = this.statuses.get(topic);
        if (status === undefined) this.statuses.set(topic, (status = { node: st.node || topic, p50: [], p99: [], latentAge: [] }));
        status.p50.push([t, st.latency_p50 * 1000]);
        status.p99.push([t, st.latency_p99 * 1000]);
        if (Number.isFinite(st.latent_age)) status.latentAge.push([t, st.latent_age * 1000]);
        break;
      }
      case 'vla_ros_msgs/msg/FailureScore': {
        const sc = msg as vla_ros_msgs.msg.FailureScore;
        let score = this.scores.get(topic);
        if (score === undefined) this.scores.set(topic, (score = { score: [], threshold: [], stepScore: [] }));
        score.score.push([t, sc.score]);
        score.threshold.push([t, sc.threshold]);
        score.stepScore.push([t, sc.step_score]);
        break;
      }
      case 'vla_ros_msgs/msg/FailureAlarm': {
        const a = msg as vla_ros_msgs.msg.FailureAlarm;
        this.alarms.push({
          t,
          label: a.reason === vla_ros_msgs.msg.FailureAlarm.REASON_FEATURE_TIMEOUT ? 'alarm: feature timeout' : 'alarm',
          detail: `${a.episode_id} step ${a.step}: ${a.detail}`,
        });
        if (a.episode_id !== '') this.episodeOf(a.episode_id).alarms.push({ t, detail: `step ${a.step}: ${a.detail}` });
        break;
      }
      case 'vla_ros_msgs/msg/EpisodeEvent': {
        const e = msg as vla_ros_msgs.msg.EpisodeEvent;
        const row = this.episodeOf(e.episode_id);
        if (e.instruction !== '') row.instruction = e.instruction;
        if (e.event === EVENT_START) row.start ??= t;
        if (e.event === EVENT_END) {
          row.end = t;
          row.success = e.success;
        }
        break;
      }
      case 'vla_ros_msgs/msg/Instruction': {
        // The episode manager's instruction ids are its episode ids: names the first episode too,
        // whose START came before the recording (the instruction is latched, its START is not).
        const i = msg as vla_ros_msgs.msg.Instruction;
        if (i.id !== '' && i.text !== '') this.episodeOf(i.id).instruction ||= i.text;
        break;
      }
      case 'vla_ros_msgs/msg/HoldRequest': {
        const h = msg as vla_ros_msgs.msg.HoldRequest;
        // An unscoped request belongs to the episode running when it came.
        const row = h.episode_id !== '' ? this.episodeOf(h.episode_id) : this.episodes[this.episodes.length - 1];
        if (row === undefined) break;
        if (h.hold) row.holds.push({ t, source: h.source, reason: h.reason, scoped: h.episode_id !== '' });
        else row.resumedAt ??= t;
        break;
      }
    }
  }

  /** The report's data, every time in seconds from `meta.start` (the bag's first log time). */
  finish(meta: Pick<ReportData, 'title' | 'bag' | 'infoText' | 'start' | 'duration' | 'topics'>): ReportData {
    const o = meta.start;
    const shift = (points: Point[]) => {
      for (const p of points) p[0] -= o;
    };
    const chunks = new Map<string, ChunkTopic>();
    for (const [topic, c] of this.chunks) {
      c.first.forEach(shift);
      shift(c.latentAge);
      const every = Math.max(1, Math.round(c.count / HORIZONS_PER_TOPIC));
      const d = c.names.length;
      const horizons = c.records
        .filter((_, i) => i % every === 0)
        .map((r) => ({
          dim: c.names.map((_, j) => Array.from({ length: r.horizon }, (_, i): Point => [r.t0 - o + i * r.dt, r.data[i * d + j]])),
        }));
      chunks.set(topic, { names: c.names, first: c.first, horizons, latentAge: c.latentAge, count: c.count });
    }
    for (const p of this.poses.values()) p.xyz.forEach(shift);
    for (const st of this.statuses.values()) [st.p50, st.p99, st.latentAge].forEach(shift);
    for (const sc of this.scores.values()) [sc.score, sc.threshold, sc.stepScore].forEach(shift);
    for (const a of this.alarms) a.t -= o;
    for (const e of this.episodes) {
      if (e.start !== undefined) e.start -= o;
      if (e.end !== undefined) e.end -= o;
      if (e.resumedAt !== undefined) e.resumedAt -= o;
      for (const a of e.alarms) a.t -= o;
      for (const h of e.holds) h.t -= o;
    }
    return {
      ...meta,
      chunks,
      poses: this.poses,
      statuses: this.statuses,
      scores: this.scores,
      alarms: this.alarms,
      episodes: this.episodes,
    };
  }
}

/** What the report says about the bag itself: its info text, time range and topics. */
async function bagMeta(
  bag: BagReader,
  bagPath: string,
  title: string | undefined,
): Promise<Pick<ReportData, 'title' | 'bag' | 'infoText' | 'start' | 'duration' | 'topics'>> {
  const info = await bag.info();
  return {
    title: title ?? `vla-ros run: ${bagPath}`,
    bag: bagPath,
    infoText: formatBagInfo(info),
    start: info.start === undefined ? 0 : fromNanoseconds(info.start),
    duration: info.start === undefined || info.end === undefined ? 0 : Number(info.end - info.start) / 1e9,
    topics: info.topics.map((t) => ({ topic: t.topic, type: t.type, count: t.count })),
  };
}

/** Reads what the report plots (one pass over the relevant topics). */
export async function collectReportData(bagPath: string, options: ReportOptions = {}): Promise<ReportData> {
  const bag = await BagReader.open(bagPath, { onNote: options.onNote });
  try {
    const meta = await bagMeta(bag, bagPath, options.title);
    // Header stamps (chunk start times) go on the log-time axis, whichever clocks the bag holds.
    const domain = await detectStampDomain(bag);
    const collector = new ReportCollector(domain.differs ? (t) => domain.toLogTime(t) : undefined);
    for await (const m of bag.messages({ topics: (t) => REPORT_TYPES.has(t.type) })) {
      if (options.signal?.aborted === true) break;
      const t = fromNanoseconds(m.logTime);
      options.onProgress?.(t - meta.start, meta.duration);
      let msg: unknown;
      try {
        msg = m.decode();
      } catch {
        continue;
      }
      collector.add(m.type, m.topic, t, msg);
    }
    return collector.finish(meta);
  } finally {
    bag.close();
  }
}

/** The report of a closed bag whose messages went through `collector` as it was recorded (no second pass). */
export async function reportDataFromCollector(
  bagPath: string,
  collector: ReportCollector,
  options: Pick<ReportOptions, 'title' | 'onNote'> = {},
): Promise<ReportData> {
  const bag = await BagReader.open(bagPath, { onNote: options.onNote });
  try {
    return collector.finish(await bagMeta(bag, bagPath, options.title));
  } finally {
    bag.close();
  }
}

const STYLE = `body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
pre{background:#f7f7f7;padding:8px;font-size:11px;overflow-x:auto}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.none{color:#888;font-style:italic}svg{display:block;margin:8px 0}`;

export function renderReport(d: ReportData): string {
  const x = 'time since bag start [s]';
  const markers = d.alarms.map((a) => ({ x: a.t, label: a.label }));
  const sections: string[] = [];
  const none = (what: string) => `<p class="none">${escapeXml(what)}</p>`;

  // Action chunks.
  const chunkParts: string[] = [];
  for (const [topic, c] of d.chunks) {
    c.names.forEach((name, j) => {
      const series: Series[] = [
        ...c.horizons.map((h) => ({ name: 'chunk horizon', points: h.dim[j], color: '#999', opacity: 0.5, width: 1, hideInLegend: true })),
        { name: `${name}: action 0`, points: c.first[j], color: PALETTE[j % PALETTE.length], width: 1.6 },
      ];
      chunkParts.push(
        lineChart({
          title: `${topic} — ${name}`,
          subtitle: j === 0 ? `${c.count} chunks; grey: whole horizons of every few chunks, at the times they are meant for` : undefined,
          xLabel: x,
          yLabel: name,
          series,
          markers,
          height: 200,
        }),
      );
    });
  }
  sections.push(`<h2>Action chunks over time</h2>${chunkParts.join('') || none('no vla_ros_msgs/ActionChunk topic in this bag')}`);

  // Commanded vs actual pose.
  const poses = [...d.poses];
  const commanded = poses.filter(([t]) => /target|command/.test(t));
  const actual = poses.filter(([t]) => !/target|command/.test(t));
  const poseParts: string[] = [];
  if (poses.length > 0) {
    ['x', 'y', 'z'].forEach((axis, k) => {
      const series: Series[] = [
        ...commanded.map(([t, p]) => ({ name: `${t} (commanded)`, points: p.xyz[k], color: '#d62728' })),
        ...actual.map(([t, p]) => ({ name: `${t} (actual)`, points: p.xyz[k], color: '#1f77b4', dashed: true })),
      ];
      poseParts.push(lineChart({ title: `Position ${axis}`, xLabel: x, yLabel: `${axis} [m]`, series, markers, height: 220 }));
    });
  }
  sections.push(
    `<h2>Commanded vs actual pose</h2>${poseParts.join('') || none('no geometry_msgs/PoseStamped topics (target_pose, current_pose) in this bag')}`,
  );

  // Latencies and latent age.
  const statuses = [...d.statuses.values()];
  const latencyParts: string[] = [];
  if (statuses.length > 0) {
    latencyParts.push(
      lineChart({
        title: 'Pathway latency (from ~/status)',
        subtitle: 'p50 solid, p99 dashed',
        xLabel: x,
        yLabel: 'latency [ms]',
        series: statuses.flatMap((s, i) => [
          { name: `${s.node} p50`, points: s.p50, color: PALETTE[i % PALETTE.length] },
          { name: `${s.node} p99`, points: s.p99, color: PALETTE[i % PALETTE.length], dashed: true, hideInLegend: true },
        ]),
        markers,
      }),
    );
  }
  const ages: Series[] = [
    ...statuses.filter((s) => s.latentAge.length > 0).map((s) => ({ name: `${s.node} (status)`, points: s.latentAge, width: 2 })),
    ...[...d.chunks].map(([t, c]) => ({
      name: `${t} latent_age`,
      points: c.latentAge.map(([tt, a]): Point => [tt, a * 1000]),
      dots: true,
    })),
  ];
  if (ages.length > 0)
    latencyParts.push(
      lineChart({
        title: 'Latent age',
        subtitle: 'age of the VLM latent the fast pathway used',
        xLabel: x,
        yLabel: 'latent age [ms]',
        series: ages,
        markers,
      }),
    );
  sections.push(
    `<h2>Pathway latencies and latent age</h2>${latencyParts.join('') || none('no vla_ros_msgs/PathwayStatus (~/status) or ActionChunk topics in this bag')}`,
  );

  // Failure score.
  const scoreParts = [...d.scores].map(([topic, s]) =>
    lineChart({
      title: `${topic}: failure score vs threshold`,
      xLabel: x,
      yLabel: 'score',
      series: [
        { name: 'score s_t', points: s.score, color: '#1f77b4', width: 1.8 },
        { name: 'threshold δ_t', points: s.threshold, color: '#d62728', dashed: true },
        { name: 'step score', points: s.stepScore, color: '#aaa', width: 1 },
      ],
      markers,
    }),
  );
  const alarmList =
    d.alarms.length > 0
      ? `<ul>${d.alarms.map((a) => `<li>t=${a.t.toFixed(3)} s: ${escapeXml(a.detail)}</li>`).join('')}</ul>`
      : '<p>No failure alarm.</p>';
  sections.push(
    `<h2>Failure score vs threshold</h2>${scoreParts.join('') || none('no vla_ros_msgs/FailureScore topic in this bag')}${alarmList}`,
  );

  // Episodes: alarms and the holds they caused.
  sections.push(
    `<h2>Episodes: alarms and holds</h2>${renderEpisodes(d.episodes) || none('no vla_ros_msgs/EpisodeEvent topic in this bag')}`,
  );

  // Topics.
  const rows = d.topics
    .map(
      (t) =>
        `<tr><td>${escapeXml(t.topic)}</td><td>${escapeXml(t.type)}</td><td>${t.count}</td><td>${d.duration > 0 && t.count > 1 ? (t.count / d.duration).toFixed(1) : ''}</td></tr>`,
    )
    .join('');
  sections.push(
    `<h2>Topics</h2><table><tr><th>topic</th><th>type</th><th>messages</th><th>rate [Hz]</th></tr>${rows}</table><pre>${escapeXml(d.infoText)}</pre>`,
  );

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(d.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeXml(d.title)}</h1><p>${escapeXml(d.bag)} — ${d.duration.toFixed(3)} s from ${new Date(d.start * 1000).toISOString()}; generated by vla-ros report.</p>
${sections.join('\n')}
</body></html>
`;
}

/**
 * One row per episode. A SAFE alarm's hold lasts for the rest of its episode: it ends at an
 * explicit resume or at the next episode's START (docs/failure-monitor.md).
 */
function renderEpisodes(episodes: readonly EpisodeRow[]): string {
  if (episodes.length === 0) return '';
  const s = (t: number | undefined) => (t === undefined ? '' : t.toFixed(2));
  const rows = episodes.map((e, i) => {
    const next = episodes[i + 1]?.start;
    const outcome = e.end === undefined ? 'not ended in the bag' : e.success === true ? 'success' : 'failure';
    const alarms = e.alarms.map((a) => `${a.t.toFixed(2)} s: ${escapeXml(a.detail)}`).join('<br>') || 'none';
    const holds =
      e.holds
        .map((h) => {
          const until =
            e.resumedAt !== undefined && e.resumedAt >= h.t
              ? `resumed at ${e.resumedAt.toFixed(2)} s`
              : h.scoped
                ? next !== undefined
                  ? `released at the next START, ${next.toFixed(2)} s`
                  : 'held to the end of the bag'
                : 'held until an operator resumes';
          return `${h.t.toFixed(2)} s by ${escapeXml(h.source || 'unknown')} — ${until}`;
        })
        .join('<br>') || 'none';
    return `<tr><td>${escapeXml(e.id)}</td><td>${escapeXml(e.instruction)}</td><td>${e.start === undefined ? 'before the recording' : s(e.start)}</td><td>${s(e.end)}</td><td>${outcome}</td><td>${alarms}</td><td>${holds}</td></tr>`;
  });
  return (
    '<table><tr><th>episode</th><th>instruction</th><th>start [s]</th><th>end [s]</th><th>outcome</th><th>SAFE alarms</th><th>holds</th></tr>' +
    `${rows.join('')}</table>`
  );
}

/** Reads `bagPath` (or takes what `collector` gathered while it was recorded) and writes the report to `output`. */
export async function writeReport(
  bagPath: string,
  output: string,
  options: ReportOptions & { collector?: ReportCollector } = {},
): Promise<{ bytes: number; data: ReportData }> {
  const data =
    options.collector !== undefined
      ? await reportDataFromCollector(bagPath, options.collector, options)
      : await collectReportData(bagPath, options);
  const html = renderReport(data);
  fs.writeFileSync(output, html);
  return { bytes: Buffer.byteLength(html), data };
}
