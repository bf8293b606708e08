// Entry point of the timing thread (timing_thread.ts): serves its owner's deadlines, or runs the
// bare periodic loop once and reports its timing (the bench's floor).

import { parentPort, workerData } from 'node:worker_threads';
import { measureFloor, serveDeadlines, type TimingMessage } from './timing_thread.js';

type TimingThreadData = { mode: 'serve'; shared: SharedArrayBuffer } | { mode: 'floor'; rateHz: number; seconds: number };

const port = parentPort;
if (port === null) throw new Error('timing_thread_worker must run in a worker thread');
const post = (m: TimingMessage) => port.postMessage(m);
const data = workerData as TimingThreadData;
if (data.mode === 'serve') serveDeadlines(data.shared, post);
else post({ floor: measureFloor(data.rateHz, data.seconds) });
