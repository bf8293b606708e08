// A stand-in for fuzz_worker.js that misbehaves on purpose, to check that the fuzzer's parent
// counts what a real reader bug would do: a native abort (case 3), a hang (case 5), a foreign
// error (case 7); and what a stalled machine does: case 8 hangs the first time only. Every other
// case is read.

import fs from 'node:fs';
import path from 'node:path';

const [, , , workDir, , fromText, toText] = process.argv;
fs.mkdirSync(workDir, { recursive: true });
for (let index = Number(fromText); index < Number(toText); index++) {
  process.stdout.write(`case ${index}\n`);
  if (index === 3) process.abort();
  if (index === 5) await new Promise(() => setInterval(() => {}, 1000));
  const ranBefore = path.join(workDir, `ran_${index}`);
  if (index === 8 && !fs.existsSync(ranBefore)) {
    fs.writeFileSync(ranBefore, '');
    await new Promise(() => setInterval(() => {}, 1000));
  }
  const outcome = index === 7 ? 'foreign-error' : 'read';
  process.stdout.write(
    `result ${JSON.stringify({ index, seed: 'stand-in', mutation: 'none', outcome, ...(index === 7 ? { detail: 'TypeError: x is undefined' } : {}) })}\n`,
  );
}
