// Shared by the test/msgs suites: where the shared test data lives, how to skip with a reason,
// and a minimal reader for the schema records of an MCAP file.
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/package_paths.js';

/** ../shared/data next to the checkout (absent on machines without the shared data). */
export const SHARED_DATA = path.join(PACKAGE_ROOT, '..', 'shared', 'data');
export const ROSBAG2_DATA = path.join(SHARED_DATA, 'rosbag2');

/**
 * Debian's interpreter, which has python3-rosidl and python3-catkin-pkg; `python3` on PATH may be
 * a pyenv build without them.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Skips the current test or suite, printing why (mocha's own skip output gives no reason). */
export function skipWithReason(context: Mocha.Context, reason: string): never {
  console.log(`      skipped: ${reason}`);
  context.skip();
}

export interface McapSchemaRecord {
  id: number;
  name: string;
  encoding: string;
  text: string;
}

const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]); // \x89MCAP0\r\n
const SCHEMA_OPCODE = 0x03;

/**
 * The Schema records stored outside chunks (rosbag2 writes every schema there and again in the
 * summary), first occurrence of each id. MCAP records are: opcode u8, length u64 LE, body; a
 * Schema body is id u16, name (u32 length + UTF-8), encoding (same), data (u32 length + bytes).
 * @mcap/core is not a dependency, and schemas need nothing more than this.
 */
export function readMcapSchemas(file: string): McapSchemaRecord[] {
  const bytes = fs.readFileSync(file);
  if (!bytes.subarray(0, MCAP_MAGIC.length).equals(MCAP_MAGIC)) {
    throw new Error(`${file} is not an MCAP file`);
  }
  const schemas = new Map<number, McapSchemaRecord>();
  let offset = MCAP_MAGIC.length;
  while (offset + 9 <= bytes.length) {
    const opcode = bytes.readUInt8(offset);
    const length = Number(bytes.readBigUInt64LE(offset + 1));
    const body = offset + 9;
    if (opcode === SCHEMA_OPCODE) {
      let cursor = body + 2;
      const readString = (): string => {
        const size = bytes.readUInt32LE(cursor);
        const text = bytes.toString('utf8', cursor + 4, cursor + 4 + size);
        cursor += 4 + size;
        return text;
      };
      const id = bytes.readUInt16LE(body);
      const name = readString();
      const encoding = readString();
      const text = readString();
      if (!schemas.has(id)) {
        schemas.set(id, { id, name, encoding, text });
      }
    }
    offset = body + length;
  }
  return [...schemas.values()];
}
