// A stand-in for fuzz_worker.js that misbehaves on purpose, to check that the fuzzer's parent
// counts what a real reader bug would do: a native abort (case 3), a hang (case 5), a foreign
// error (case 7); every other case is read.

const [, , , , , fromText, toText] = process.argv;
for (let index = Number(fromText); index < Number(toText); index++) {
  process.stdout.write(`case ${index}\n`);
  if (index === 3) process.abort();
  if (index === 5) await new Promise(() => setInterval(() => {}, 1000));
  const outcome = index === 7 ? 'foreign-error' : 'read';
  process.stdout.write(
    `result ${JSON.stringify({ index, seed: 'stand-in', mutation: 'none', outcome, ...(index === 7 ? { detail: 'TypeError: x is undefined' } : {}) })}\n`,
  );
}
