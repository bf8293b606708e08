// What the bag commands (bag, record, replay, report) share on the command line: `name:=value`
// launch arguments mixed with other positionals and remap rules. (Where text goes:
// nodes/cli/command_io.ts; how Ctrl-C stops them: nodes/cli/shutdown_signal.ts.)

/** Splits positionals into `name:=value` launch arguments and the rest. */
export function splitLaunchArgs(items: readonly string[]): { launchArgs: string[]; rest: string[] } {
  const launchArgs: string[] = [];
  const rest: string[] = [];
  for (const item of items) (/^[A-Za-z_][A-Za-z0-9_]*:=/.test(item) ? launchArgs : rest).push(item);
  return { launchArgs, rest };
}

/** `from:=to` rules (fully qualified topic names; a missing leading '/' is added). */
export function parseRemaps(items: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  const abs = (t: string) => (t.startsWith('/') ? t : `/${t}`);
  for (const item of items) {
    const i = item.indexOf(':=');
    if (i <= 0 || i === item.length - 2) throw new RangeError(`--remap expects from:=to, got '${item}'`);
    map.set(abs(item.slice(0, i)), abs(item.slice(i + 2)));
  }
  return map;
}

/** A yargs option that may be given several times (or as an array) as a string list. */
export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value])
    .map(String)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
