// A child of the bag fuzzer (bag_fuzz.ts): reads cases [from, to) of one seed the way the bag
// commands do — `bag info` (info, both formats), replay (every message, decoded), `bag convert`
// (every other case) — printing `case <i>` before and `result <json>` after each, so the parent
// knows which case a native abort or a hang belongs to.
//   node fuzz_worker.js <corpus> <workDir> <seed> <from> <to>

import fs from 'node:fs';
import path from 'node:path';
import { copyBag } from '../../../nodes/bags/bag_copy.js';
import { bagInfoJson, formatBagInfo } from '../../../nodes/bags/bag_info.js';
import { BagReader } from '../../../nodes/bags/bag_reader.js';
import { fuzzCase, isProjectError, type CaseResult, type SeedBag } from './bag_fuzz.js';

/** What the bag commands do with a bag; returns the number of messages read. */
async function readLikeTheCommands(bag: string, copyTo: string | undefined): Promise<number> {
  const reader = await BagReader.open(bag, { onNote: () => {} });
  let messages = 0;
  try {
    const info = await reader.info();
    formatBagInfo(info);
    bagInfoJson(info);
    for await (const m of reader.messages()) {
      messages++;
      try {
        m.decode();
      } catch {
        /* an undecodable message: dropped and noted by the readers' users */
      }
    }
  } finally {
    reader.close();
  }
  if (copyTo !== undefined) await copyBag(bag, copyTo, { overwrite: true, compression: 'none' });
  return messages;
}

async function main(): Promise<void> {
  const [corpus, workDir, seedText, fromText, toText] = process.argv.slice(2);
  const seed = Number(seedText);
  const seeds = JSON.parse(fs.readFileSync(path.join(corpus, 'seeds.json'), 'utf8')) as SeedBag[];
  fs.mkdirSync(workDir, { recursive: true });
  for (let index = Number(fromText); index < Number(toText); index++) {
    const { seedBag, bytes, description } = fuzzCase(seeds, corpus, seed, index);
    const caseDir = path.join(workDir, `case_${index}`);
    fs.rmSync(caseDir, { recursive: true, force: true });
    fs.mkdirSync(caseDir);
    const source = path.join(corpus, seedBag.bag);
    const bag = path.join(caseDir, path.basename(seedBag.bag));
    if (fs.statSync(source).isDirectory()) fs.cpSync(source, bag, { recursive: true });
    fs.writeFileSync(path.join(caseDir, seedBag.target), bytes);
    process.stdout.write(`case ${index}\n`);
    const result: CaseResult = { index, seed: seedBag.name, mutation: description, outcome: 'read' };
    try {
      result.messages = await readLikeTheCommands(bag, index % 2 === 0 ? path.join(caseDir, 'copy.mcap') : undefined);
    } catch (err) {
      if (isProjectError(err)) {
        result.outcome = 'project-error';
        result.detail = (err as Error).message;
      } else {
        result.outcome = 'foreign-error';
        const e = err instanceof Error ? err : new Error(String(err));
        result.detail = `${e.name}: ${e.message.split('\n')[0]} ${(e.stack ?? '')
          .split('\n')
          .slice(1, 4)
          .map((l) => l.trim())
          .join(' ')}`;
      }
    }
    fs.rmSync(caseDir, { recursive: true, force: true });
    process.stdout.write(`result ${JSON.stringify(result)}\n`);
  }
}

await main();
