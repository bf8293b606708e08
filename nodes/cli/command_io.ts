// Where a command's text goes: the process's stdout / stderr, or a capture in tests.

export interface TextIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** TextIo plus where long operations draw their progress (a TTY gets a live bar). */
export interface CommandIo extends TextIo {
  progressStream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export const processIo: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progressStream: process.stderr,
};
