// The evaluation's outputs: a markdown table (printed and written), the JSON of every number,
// and SVG plots (success rate and time-to-success against added VLM latency, one line per rule).

import fs from 'node:fs';
import path from 'node:path';
import { lineChart, PALETTE } from '../../charts/svg_chart.js';
import type { EvaluationReport, SettingSummary, TaskSuccess } from './evaluation.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : 'n/a');
const sec = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

function row(s: SettingSummary): string {
  return `| ${s.name} | ${s.episodes} | ${pct(s.successRate)} (${s.successes}/${s.episodes}) | ${sec(s.meanTimeToSuccess)} | ${s.chunkRate.toFixed(1)} | ${f3(s.latentAgeMean)} | ${s.chunksRefused} |`;
}

function taskCell(t: TaskSuccess | undefined): string {
  return t === undefined ? '–' : `${pct(t.successes / t.episodes)} (${t.successes}/${t.episodes})`;
}

export function formatReport(r: EvaluationReport): string {
  const lines = [
    `# Closed-loop evaluation: ${path.basename(r.bundle)} (${r.trained ? 'trained' : 'UNTRAINED'}) on the simulated ${r.robot}`,
    '',
    `${r.episodesPerSetting} seeded episodes per setting (seed ${r.seed}, episodes 0..${r.episodesPerSetting - 1}, limit ${r.maxTime} s, max_latent_age ${r.maxLatentAge} s); ` +
      `wall time ${r.wallSeconds.toFixed(0)} s.`,
    '',
    '| setting | episodes | success | time-to-success [s] | chunks/s | latent age [s] | refused chunks |',
    '|---|---|---|---|---|---|---|',
    ...r.settings.map(row),
  ];
  const tasks = [...new Set(r.settings.flatMap((s) => s.perTask.map((t) => t.task)))];
  if (tasks.length > 1) {
    lines.push(
      '',
      '## Success per task',
      '',
      `| setting | ${tasks.join(' | ')} |`,
      `|---|${tasks.map(() => '---|').join('')}`,
      ...r.settings.map((s) => `| ${s.name} | ${tasks.map((t) => taskCell(s.perTask.find((p) => p.task === t))).join(' | ')} |`),
    );
  }
  if (r.safe !== undefined) {
    const s = r.safe;
    const m = s.monitor;
    lines.push(
      '',
      `## SAFE (${path.basename(s.detector)}, band calibrated at α = ${s.alpha})`,
      '',
      `${s.episodes} episodes (${s.successes} successes, ${s.failures} failures; ${s.injected} with an injected failure, ${s.injectedFailed} of them failed).`,
      '',
      '| alarms | ROC-AUC | TPR | TNR | balanced accuracy | T-det | alarm lead [s] | false alarms on successes | α |',
      '|---|---|---|---|---|---|---|---|---|',
      `| SAFE score (band crossing) | ${f3(s.rocAuc)} | ${f3(s.tpr)} | ${f3(s.tnr)} | ${f3(s.balancedAccuracy)} | ${f3(s.tDet)} | ${sec(s.leadTime)} | ${f3(s.falseAlarmRate)} | ${s.alpha} |`,
      `| failure monitor (score or ${m.featureTimeout} s feature timeout) | ${f3(m.rocAuc)} | ${f3(m.tpr)} | ${f3(m.tnr)} | ${f3(m.balancedAccuracy)} | ${f3(m.tDet)} | ${sec(m.leadTime)} | ${f3(m.falseAlarmRate)} | ${s.alpha} |`,
      '',
      `The monitor's alarms are the node's (EpisodeMonitor, its default time-outs): ${m.timeouts} came from a feature timeout. ` +
        "SAFE ROC-AUC ranks max_t s_t; the monitor's ranks max_t (s_t − μ_t)/σ_t, +∞ where the features stopped.",
    );
    if (s.perFailure.length > 1) {
      lines.push(
        '',
        'Per injected failure (flagged: by the score; alarmed: by the monitor; ROC-AUC of the score, its failed episodes against every successful one):',
        '',
        '| failure | episodes | failed | flagged | alarmed | ROC-AUC |',
        '|---|---|---|---|---|---|',
        ...s.perFailure.map((k) => `| ${k.failure} | ${k.episodes} | ${k.failed} | ${k.flagged} | ${k.alarmed} | ${f3(k.rocAuc)} |`),
      );
    }
    if (s.note !== '') lines.push('', `Note: ${s.note}.`);
  }
  return lines.join('\n') + '\n';
}

/** One SVG per measure of the rule × latency sweep (none when the sweep was not run). */
export function latencyPlots(r: EvaluationReport): Record<string, string> {
  const sweep = r.settings.filter((s) => s.setting.mode === 'async' && !s.failureInjected);
  const rules = [...new Set(sweep.map((s) => s.setting.mergeRule))];
  const latencies = new Set(sweep.map((s) => s.setting.addedVlmLatency));
  if (rules.length === 0 || latencies.size < 2) return {};
  const series = (value: (s: SettingSummary) => number) =>
    rules.map((rule, i) => ({
      name: rule,
      color: PALETTE[i % PALETTE.length],
      points: sweep
        .filter((s) => s.setting.mergeRule === rule)
        .sort((a, b) => a.setting.addedVlmLatency - b.setting.addedVlmLatency)
        .map((s) => [s.setting.addedVlmLatency * 1000, value(s)] as const),
    }));
  const subtitle = `${path.basename(r.bundle)} (${r.trained ? 'trained' : 'untrained'}), ${r.episodesPerSetting} episodes per point, async fast–slow`;
  return {
    'success_vs_latency.svg': lineChart({
      title: 'Success rate vs added VLM latency',
      subtitle,
      xLabel: 'added VLM latency [ms]',
      yLabel: 'success rate [%]',
      series: series((s) => 100 * s.successRate),
    }),
    'time_to_success_vs_latency.svg': lineChart({
      title: 'Time to success vs added VLM latency',
      subtitle,
      xLabel: 'added VLM latency [ms]',
      yLabel: 'mean time to success [s]',
      series: series((s) => s.meanTimeToSuccess),
    }),
  };
}

/** Writes report.md, results.json and the plots into `dir`; returns the paths written. */
export function writeReport(r: EvaluationReport, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'report.md': formatReport(r),
    'results.json': JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2),
    ...latencyPlots(r),
  };
  return Object.entries(files).map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  });
}
