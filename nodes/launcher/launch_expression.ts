// $(eval): a small, safe subset of Python expressions (literals, comparisons, and/or/not,
// parentheses), with results formatted as Python's str() would.

export class ExpressionError extends Error {}

type PyValue =
  { kind: 'bool'; value: boolean } | { kind: 'int' | 'float'; value: number } | { kind: 'str'; value: string } | { kind: 'none' };

type Token = { kind: 'value'; value: PyValue } | { kind: 'op'; op: string } | { kind: 'word'; word: 'and' | 'or' | 'not' };

const EVAL_SUBSET =
  'the embedded launcher evaluates only literals (signed numbers, strings, True/False/None), comparisons (== != < <= > >=), ' +
  'and/or/not and parentheses; ros2 launch evaluates full Python';
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

function tokenizeExpression(text: string): Token[] {
  const tokens: Token[] = [];
  const number = /^(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?/;
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const escaped = text[++j];
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        } else value += text[j];
      }
      if (j >= text.length) throw new ExpressionError('unterminated string literal');
      tokens.push({ kind: 'value', value: { kind: 'str', value } });
      i = j + 1;
    } else if (number.test(rest)) {
      const literal = (number.exec(rest) as RegExpExecArray)[0];
      const isFloat = /[.eE]/.test(literal);
      tokens.push({ kind: 'value', value: { kind: isFloat ? 'float' : 'int', value: Number(literal.replace(/_/g, '')) } });
      i += literal.length;
    } else if (/^(==|!=|<=|>=|<|>|\(|\)|-|\+)/.test(rest)) {
      const op = (/^(==|!=|<=|>=|<|>|\(|\)|-|\+)/.exec(rest) as RegExpExecArray)[0];
      tokens.push({ kind: 'op', op });
      i += op.length;
    } else if (/^[A-Za-z_]/.test(rest)) {
      const word = (/^[A-Za-z_][A-Za-z0-9_]*/.exec(rest) as RegExpExecArray)[0];
      if (word === 'True' || word === 'False') tokens.push({ kind: 'value', value: { kind: 'bool', value: word === 'True' } });
      else if (word === 'None') tokens.push({ kind: 'value', value: { kind: 'none' } });
      else if (word === 'and' || word === 'or' || word === 'not') tokens.push({ kind: 'word', word });
      else throw new ExpressionError(`'${word}' is not supported: ${EVAL_SUBSET}`);
      i += word.length;
    } else {
      throw new ExpressionError(`'${c}' is not supported: ${EVAL_SUBSET}`);
    }
  }
  return tokens;
}

function truthy(v: PyValue): boolean {
  switch (v.kind) {
    case 'bool':
      return v.value;
    case 'int':
    case 'float':
      return v.value !== 0;
    case 'str':
      return v.value !== '';
    case 'none':
      return false;
  }
}

function numeric(v: PyValue): number | undefined {
  if (v.kind === 'bool') return v.value ? 1 : 0;
  return v.kind === 'int' || v.kind === 'float' ? v.value : undefined;
}

function pyCompare(op: string, a: PyValue, b: PyValue): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (op === '==' || op === '!=') {
    let equal: boolean;
    if (x !== undefined && y !== undefined) equal = x === y;
    else if (a.kind === 'str' && b.kind === 'str') equal = a.value === b.value;
    else equal = a.kind === 'none' && b.kind === 'none';
    return op === '==' ? equal : !equal;
  }
  let left: number | string;
  let right: number | string;
  if (x !== undefined && y !== undefined) [left, right] = [x, y];
  else if (a.kind === 'str' && b.kind === 'str') [left, right] = [a.value, b.value];
  else throw new ExpressionError(`'${op}' cannot compare ${a.kind} with ${b.kind}`);
  if (op === '<') return left < right;
  if (op === '<=') return left <= right;
  if (op === '>') return left > right;
  return left >= right;
}

function pyStr(v: PyValue): string {
  switch (v.kind) {
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'str':
      return v.value;
    case 'int':
      return String(v.value);
    case 'float': {
      const x = v.value;
      if (Number.isNaN(x)) return 'nan';
      if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
      const magnitude = Math.abs(x);
      if (magnitude !== 0 && (magnitude >= 1e16 || magnitude < 1e-4)) {
        return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
      }
      if (Number.isInteger(x)) return `${x < 0 || Object.is(x, -0) ? '-' : ''}${magnitude}.0`;
      return String(x);
    }
  }
}

/** Evaluates the supported subset and formats the result as Python's str() would. */
export function evaluateExpression(text: string): string {
  const tokens = tokenizeExpression(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (word: string): boolean => {
    const t = peek();
    return t?.kind === 'word' && t.word === word;
  };
  const orExpr = (): PyValue => {
    let left = andExpr();
    while (isWord('or')) {
      pos++;
      const right = andExpr();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const andExpr = (): PyValue => {
    let left = notExpr();
    while (isWord('and')) {
      pos++;
      const right = notExpr();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const notExpr = (): PyValue => {
    if (isWord('not')) {
      pos++;
      return { kind: 'bool', value: !truthy(notExpr()) };
    }
    return comparison();
  };
  const comparison = (): PyValue => {
    let left = atom();
    let result: boolean | undefined;
    for (let t = peek(); t?.kind === 'op' && COMPARISONS.has(t.op); t = peek()) {
      pos++;
      const right = atom();
      const holds = pyCompare(t.op, left, right); // chained: a < b < c is a < b and b < c
      result = (result ?? true) && holds;
      left = right;
    }
    return result === undefined ? left : { kind: 'bool', value: result };
  };
  const atom = (): PyValue => {
    const t = tokens[pos++];
    if (t === undefined) throw new ExpressionError('the expression ends too early');
    if (t.kind === 'value') return t.value;
    if (t.kind === 'op' && (t.op === '-' || t.op === '+')) {
      const operand = atom();
      if (operand.kind !== 'int' && operand.kind !== 'float') throw new ExpressionError(`unary '${t.op}' needs a number: ${EVAL_SUBSET}`);
      return t.op === '-' ? { kind: operand.kind, value: -operand.value } : operand;
    }
    if (t.kind === 'op' && t.op === '(') {
      const inner = orExpr();
      const close = tokens[pos++];
      if (close?.kind !== 'op' || close.op !== ')') throw new ExpressionError("missing ')'");
      return inner;
    }
    throw new ExpressionError(`unexpected '${t.kind === 'op' ? t.op : t.kind === 'word' ? t.word : ''}'`);
  };
  const result = orExpr();
  const extra = tokens[pos];
  if (extra !== undefined) {
    const what = extra.kind === 'op' ? `'${extra.op}' here` : 'more than one expression';
    throw new ExpressionError(`${what} is not supported: ${EVAL_SUBSET}`);
  }
  return pyStr(result);
}
