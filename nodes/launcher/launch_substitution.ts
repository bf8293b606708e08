// Substitution syntax (launch/frontend/grammar.lark): attribute text → templates of text and
// `$(name arg ...)` substitutions, and the substitutions ros2 launch knows with their arities.
// Evaluating them is the evaluator's part (launch_file.ts).

export type Part = { kind: 'text'; text: string } | { kind: 'substitution'; name: string; args: Template[] };
export type Template = readonly Part[];

export class SubstitutionSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

/** launch's replace_escaped_characters: a backslash makes the next character literal. */
export function unescapeText(text: string): string {
  return text.replace(/\\([^\n])/g, '$1');
}

/** Quoting context: top level (no quote), or inside a '...' or "..." argument. */
type QuoteContext = '' | "'" | '"';

/**
 * A recursive-descent reading of launch's Lark grammar: `$(name arg arg)`, arguments separated
 * by exactly one space, an argument is either a quoted template (which may hold substitutions)
 * or unquoted text and substitutions; '\$(' is literal text.
 */
export class SubstitutionParser {
  private pos = 0;

  constructor(private readonly source: string) {}

  parseTemplate(): Template {
    const parts: Part[] = [];
    let text = '';
    while (this.pos < this.source.length) {
      if (this.atSubstitution()) {
        if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
        text = '';
        parts.push(this.parseSubstitution(''));
      } else {
        text += this.source[this.pos++];
      }
    }
    if (text !== '' || parts.length === 0) parts.push({ kind: 'text', text: unescapeText(text) });
    return parts;
  }

  private atSubstitution(): boolean {
    const s = this.source;
    return s[this.pos] === '$' && s[this.pos + 1] === '(' && s[this.pos - 1] !== '\\';
  }

  private fail(message: string): never {
    throw new SubstitutionSyntaxError(message, this.pos);
  }

  private parseSubstitution(context: QuoteContext): Part {
    this.pos += 2; // '$('
    const name = /^[A-Za-z][A-Za-z0-9_-]*/.exec(this.source.slice(this.pos))?.[0];
    if (name === undefined) this.fail("expected a substitution name after '$('");
    this.pos += name.length;
    const args: Template[] = [];
    if (this.source[this.pos] === ' ') {
      this.pos++;
      args.push(this.parseValue(context));
      while (this.source[this.pos] === ' ') {
        this.pos++;
        args.push(this.parseValue(context));
      }
    }
    if (this.source[this.pos] !== ')') {
      if (this.pos >= this.source.length) this.fail(`'$(${name}' is not closed with ')'`);
      this.fail(
        `unexpected '${this.source[this.pos]}' in $(${name} ...) (arguments are separated by one space; quote arguments that contain spaces or parentheses)`,
      );
    }
    this.pos++;
    return { kind: 'substitution', name, args };
  }

  private parseValue(context: QuoteContext): Template {
    const c = this.source[this.pos];
    if (context === '' && (c === "'" || c === '"')) return this.parseQuoted(c);
    const parts: Part[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
      text = '';
    };
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) break;
      if (this.atSubstitution()) {
        flush();
        parts.push(this.parseSubstitution(context));
        continue;
      }
      if (ch === '\\') {
        const next = this.source[this.pos + 1];
        const pairs = next === '(' || next === ')' || next === '$' || next === "'" || next === '"';
        text += pairs ? ch + next : ch;
        this.pos += pairs ? 2 : 1;
        continue;
      }
      const quoteEnds = context === '' ? ch === "'" || ch === '"' : ch === context;
      if (ch === ' ' || ch === '(' || ch === ')' || quoteEnds) break;
      text += ch;
      this.pos++;
    }
    flush();
    if (parts.length === 0) this.fail('empty substitution argument (arguments are separated by exactly one space)');
    return parts;
  }

  private parseQuoted(quote: "'" | '"'): Template {
    const opening = this.pos;
    this.pos++;
    const parts: Part[] = [];
    let text = '';
    for (;;) {
      const ch = this.source[this.pos];
      if (ch === undefined) {
        this.pos = opening;
        this.fail(`unterminated ${quote} in a substitution argument`);
      }
      if (ch === quote) break;
      if (this.atSubstitution()) {
        if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
        text = '';
        parts.push(this.parseSubstitution(quote));
        continue;
      }
      if (ch === '\\' && (this.source[this.pos + 1] === quote || this.source[this.pos + 1] === '$')) {
        text += ch + this.source[this.pos + 1];
        this.pos += 2;
        continue;
      }
      text += ch;
      this.pos++;
    }
    this.pos++; // closing quote
    const next = this.source[this.pos];
    if (next !== ' ' && next !== ')') this.fail(`a quoted argument must be followed by ' ' or ')', not '${next ?? 'the end of the text'}'`);
    if (text !== '') parts.push({ kind: 'text', text: unescapeText(text) });
    return parts;
  }
}

export function hasSubstitution(template: Template): boolean {
  return template.some((part) => part.kind === 'substitution');
}

export function textOnly(template: Template): string | undefined {
  return hasSubstitution(template) ? undefined : template.map((p) => (p.kind === 'text' ? p.text : '')).join('');
}

/** Substitutions ros2 launch knows, with their argument counts (checked when parsing, as upstream). */
export const SUBSTITUTION_ARITY: Record<string, readonly [number, number]> = {
  var: [1, 2],
  env: [1, 2],
  anon: [1, 1],
  filename: [0, 0],
  dirname: [0, 0],
  'find-pkg-share': [1, 1],
  'find-pkg-prefix': [1, 1],
  'file-content': [1, 1],
  not: [1, 1],
  and: [2, 2],
  or: [2, 2],
  any: [0, Infinity],
  all: [0, Infinity],
  equals: [2, 2],
  'not-equals': [2, 2],
  if: [2, 3],
  eval: [1, 2],
  // Known to ros2 launch, not evaluated here (an error only when actually evaluated).
  command: [1, 2],
  'find-exec': [1, 1],
  'exec-in-pkg': [2, 2],
  param: [2, 2],
  launch_log_dir: [0, 0],
  log_dir: [0, 0],
};

export const UNSUPPORTED_SUBSTITUTIONS = new Set(['command', 'find-exec', 'exec-in-pkg', 'param', 'launch_log_dir', 'log_dir']);

/** ROS 1 roslaunch spellings people carry over, with their ROS 2 equivalent. */
export const ROS1_SUBSTITUTIONS: Record<string, string> = {
  arg: '$(var name)',
  optenv: '$(env NAME default)',
  find: '$(find-pkg-share pkg)',
};
