// Whole-command-line validation for every `vla-ros` command, before any handler runs.
//
// yargs' strict mode finds unknown options and arguments, bad choices and missing commands, but
// with a custom `.fail()` that does not throw it reports them and then runs the handler anyway;
// a throwing `.fail()` stops at the first problem. So `.fail()` only collects, and a global
// middleware that yargs runs after its validation and before the handler turns everything
// collected (plus numbers yargs parsed as NaN) into one UsageError: every problem of the command
// line at once, exit 2, nothing started.

import type { Argv } from 'yargs';
import { closestNames } from '../msgs/suggest.js';
import { CliError } from './cli_error.js';

/** Bad usage: one line per problem, exit 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(
    readonly problems: readonly string[],
    /** Where to read the usage, printed after the problems. */
    readonly hint: string,
  ) {
    super(problems.join('\n'), 2);
  }
}

/** yargs' own view of the options of the command being parsed (yargs 18 has it; @types/yargs 17 does not declare it). */
interface ParserView {
  getOptions(): { key: Record<string, unknown>; number: string[]; alias: Record<string, string[]> };
}

function didYouMean(given: string, candidates: readonly string[], show: (name: string) => string): string {
  const [best] = closestNames(given, candidates, 1);
  return best === undefined ? '' : ` (did you mean ${show(best)}?)`;
}

/** The text the user typed after `--name` / `--name=` / `-n` (for messages), if any. */
function rawValue(cli: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < cli.length; i++) {
    for (const n of names) {
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      if (cli[i] === flag) return cli[i + 1];
      if (cli[i].startsWith(`${flag}=`)) return cli[i].slice(flag.length + 1);
    }
  }
  return undefined;
}

function typedAsOption(cli: readonly string[], name: string): boolean {
  return cli.some(
    (t) => t === `--${name}` || t.startsWith(`--${name}=`) || t === `--no-${name}` || (name.length === 1 && t === `-${name}`),
  );
}

export class UsageCheck {
  private readonly collected: string[] = [];
  /** Positionals reported as unexpected: not part of the command path in the hint. */
  private readonly unexpected = new Set<string>();
  /** recommendCommands' suggestion, joined to the unknown command it is for. */
  private recommended: string | undefined;
  private readonly parser: ParserView;

  constructor(
    parser: Argv,
    private readonly cli: readonly string[],
  ) {
    this.parser = parser as unknown as ParserView;
  }

  /** Applies the check to `y`: strict parsing, English messages (parsed below), collection, the middleware. */
  install<T>(y: Argv<T>): Argv<T> {
    return y
      .strict()
      .locale('en')
      .fail((message, err) => {
        if (err) throw err;
        this.collected.push(...this.rewrite(message));
      })
      .middleware((argv) => this.throwIfAny(argv._.map(String), argv), false);
  }

  /** Throws the UsageError when anything was found; the handler does not run. */
  throwIfAny(commands: readonly string[] = [], argv?: Record<string, unknown>): void {
    if (this.recommended !== undefined) this.collected.push(`did you mean ${this.recommended}?`);
    const problems = [...new Set([...this.collected, ...(argv === undefined ? [] : this.numberProblems(argv))])];
    this.collected.length = 0;
    this.recommended = undefined;
    if (problems.length === 0) return;
    const path = commands.filter((c) => !this.unexpected.has(c));
    throw new UsageError(problems, `Run \`vla-ros ${[...path, '--help'].join(' ')}\` for usage.`);
  }

  private options(): string[] {
    return Object.keys(this.parser.getOptions().key).filter((k) => k !== '$0');
  }

  /** yargs' messages (en) made into one line each, with suggestions. */
  private rewrite(message: string): string[] {
    const recommendation = /^Did you mean (.+)\?$/.exec(message);
    if (recommendation !== null) {
      this.recommended = recommendation[1];
      return [];
    }
    const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
    if (unknown !== null) {
      const names = unknown[1].split(', ');
      // yargs also lists the camelCase twin of an unknown kebab-case option.
      const kebab = (n: string) => n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      return names
        .filter((n) => kebab(n) === n || !names.includes(kebab(n)))
        .map((n) =>
          typedAsOption(this.cli, n)
            ? `unknown option ${n.length === 1 ? '-' : '--'}${n}${didYouMean(
                n,
                this.options().filter((o) => o.length > 1 && !/[A-Z]/.test(o)),
                (o) => `--${o}`,
              )}`
            : this.unexpectedArgument(n),
        );
    }
    if (message.startsWith('Invalid values:')) {
      return message
        .split('\n')
        .slice(1)
        .map((line) => {
          const m = /Argument: (.+?), Given: (.+?), Choices: (.+)$/.exec(line.trim());
          if (m === null) return line.trim();
          const [, name, given, choiceText] = m;
          const choices = [...choiceText.matchAll(/"([^"]*)"|([^,\s]+)/g)].map((c) => c[1] ?? c[2]);
          const what = typedAsOption(this.cli, name) ? `--${name}` : `<${name}>`;
          return `${what}: ${given} is not one of ${choiceText}${didYouMean(given.replace(/^"|"$/g, ''), choices, (c) => `"${c}"`)}`;
        });
    }
    return [message.replace(/\s*\n\s*/g, ' ').trim()];
  }

  private unexpectedArgument(name: string): string {
    this.unexpected.add(name);
    if (this.recommended === undefined) return `unexpected argument '${name}'`;
    const text = `unknown command '${name}' (did you mean ${this.recommended}?)`;
    this.recommended = undefined;
    return text;
  }

  /** yargs parses `--duration abc` as NaN and `--duration` alone as undefined: both are usage errors. */
  private numberProblems(argv: Record<string, unknown>): string[] {
    const { number, alias } = this.parser.getOptions();
    const problems: string[] = [];
    for (const key of number) {
      if (!Object.hasOwn(argv, key)) continue;
      const values: unknown[] = Array.isArray(argv[key]) ? (argv[key] as unknown[]) : [argv[key]];
      if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) continue;
      const raw = rawValue(this.cli, [key, ...(alias[key] ?? [])]);
      problems.push(`--${key}: expected a number${raw === undefined || raw.startsWith('-') ? ', got nothing' : `, got '${raw}'`}`);
    }
    return problems;
  }
}
