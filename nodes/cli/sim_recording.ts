// `vla-ros sim run --record`: every topic of the run into a rosbag2 MCAP bag (Foxglove and
// `ros2 bag` read it), then an HTML report of that bag beside it. The recorder joins the launch's
// hub, which every topic of every node passes through, so nothing is re-published for it. The
// suite runs on the sim's /clock, and so does the recording (as `ros2 bag record --use-sim-time`):
// log times are simulated seconds, like the messages' header stamps.

import path from 'node:path';
import { RosbagWriter } from '../bags/bag_writer.js';
import { formatBytes } from '../bags/progress.js';
import { BagRecorder, domainRecordSource, domainSimClock, waitForSimClock } from '../bags/recorder.js';
import { REPORT_TYPES, ReportCollector, writeReport } from '../replay/report.js';
import type { SimRunHooks } from './sim_run.js';

/** The sim publishes /clock from its activation; longer without one is a failed start. */
const SIM_CLOCK_TIMEOUT_SEC = 30;

/** `out/sim_run_<UTC date-time>`: a fresh bag per run, so runs never overwrite each other. */
export function defaultRecordingPath(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return path.join('out', `sim_run_${stamp}`);
}

export interface SimRecording {
  hooks: SimRunHooks;
  /** After the run: writes `<bag>/report.html` from the closed bag. */
  writeReport(): Promise<string>;
}

export function simRecording(bag: string, out: (line: string) => void): SimRecording {
  // The report is gathered while recording (log times are sim time, like the stamps): writing it
  // then needs no second pass over a bag of 100+ MB, so `sim run` ends right after its episodes.
  const collector = new ReportCollector();
  return {
    hooks: {
      async onRunning(hub) {
        const clock = domainSimClock(hub);
        await waitForSimClock(clock, SIM_CLOCK_TIMEOUT_SEC).catch((err: unknown) => {
          clock.destroy();
          throw err;
        });
        const writer = await RosbagWriter.create(bag, { compression: 'zstd', library: 'vla-ros sim run' });
        const recorder = new BagRecorder(writer, domainRecordSource(hub, { now: () => clock.now() }), {
          all: true,
          onNote: (n) => out(`[WARN] [sim run]: record: ${n}\n`),
          onMessage: (topic, type, message, at) => {
            if (REPORT_TYPES.has(type)) collector.add(type, topic, at, message);
          },
        });
        recorder.start(0.5);
        out(`[INFO] [sim run]: recording every topic to ${bag} (on simulated time)\n`);
        return async () => {
          const s = await recorder.stop();
          clock.destroy();
          out(`[INFO] [sim run]: recorded ${s.messages} messages on ${s.topics.length} topics to ${bag} (${formatBytes(s.bytes)})\n`);
        };
      },
    },
    async writeReport() {
      const file = path.join(bag, 'report.html');
      await writeReport(bag, file, { title: `vla-ros sim run: ${bag}`, collector });
      return file;
    },
  };
}
