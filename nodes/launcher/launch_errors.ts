// Errors of the launch-file reader and where they point: every problem in a launch file is a
// LaunchFileError whose message starts with `file:line: <element>:`.

/** A launch that cannot start: a node that is not ours, fails to load or to start, two nodes with one name. */
export class LaunchError extends Error {
  override name = 'LaunchError';
}

/** A problem in a launch file; the message starts with `file:line: <element>:`. */
export class LaunchFileError extends Error {
  override name = 'LaunchFileError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
    readonly element: string | undefined,
  ) {
    super(message);
  }
}

export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** Relative to the working directory when inside it, for messages. */
  display: string;
}

/** Where an element is: its file, line and tag. */
export interface Origin {
  file: SourceFile;
  line: number;
  tag: string;
}

export function failAt(origin: Origin, reason: string): never {
  throw new LaunchFileError(`${origin.file.display}:${origin.line}: <${origin.tag}>: ${reason}`, origin.file.path, origin.line, origin.tag);
}

export function describeOrigin(origin: Origin): string {
  return `${origin.file.display}:${origin.line}`;
}

/** The tail of every message about a feature ros2 launch has and this launcher lacks. */
export const NOT_EMBEDDED = 'not supported by the embedded launcher; run this file with ros2 launch';
