// Limits of a language instruction as operator input, and its log-safe form. The episode
// manager (its entry point) refuses what breaks them; the slow pathway, which anyone can reach
// on `instruction`, checks again. docs/input-validation.md gives the numbers and counters.

/**
 * Longest instruction accepted, in UTF-8 bytes (the unit of a ROS string on the wire). VLA
 * tokenizers keep a few dozen tokens (the reference bundle: 16), so 1 KiB is far above any
 * instruction a policy reads, while it bounds the latched message, memory and every log line.
 */
export const MAX_INSTRUCTION_BYTES = 1024;

/** Characters of an instruction shown in a log line; the rest is elided with its size. */
export const LOGGED_INSTRUCTION_CHARS = 80;

export type InstructionRejection = 'empty' | 'too_long';

export type InstructionCheck = { ok: true; text: string } | { ok: false; reason: InstructionRejection; error: string };

/** The instruction (trimmed), or why it is refused: empty (whitespace only) or over MAX_INSTRUCTION_BYTES. */
export function checkInstruction(text: string): InstructionCheck {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'empty', error: 'instruction text is empty' };
  const bytes = Buffer.byteLength(trimmed, 'utf8');
  if (bytes > MAX_INSTRUCTION_BYTES) {
    return {
      ok: false,
      reason: 'too_long',
      error: `instruction is ${bytes} bytes, more than ${MAX_INSTRUCTION_BYTES} ("${instructionForLog(trimmed)}")`,
    };
  }
  return { ok: true, text: trimmed };
}

// C0/C1 controls (NUL, ESC, CR, ...) and line/paragraph separators: they would split or corrupt
// a log line or drive a terminal.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;

/** One log-safe line: control characters as \xNN / \uNNNN, at most LOGGED_INSTRUCTION_CHARS characters. */
export function instructionForLog(text: string): string {
  const chars = Array.from(text);
  const shown = chars.slice(0, LOGGED_INSTRUCTION_CHARS).join('');
  const safe = shown.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return chars.length > LOGGED_INSTRUCTION_CHARS ? `${safe}… (${Buffer.byteLength(text, 'utf8')} bytes)` : safe;
}
