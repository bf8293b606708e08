// The parameter model of one node: declare with defaults + overrides, typed reads, validated
// atomic updates and change notification. Pure; the backends mirror it onto ROS services.
//
// Behaviour follows rclcpp's NodeParameters (ros2/rclcpp rclcpp/src/rclcpp/node_interfaces/
// node_parameters.cpp): range bounds are inclusive and always accepted exactly, integer steps
// count from `from`, double comparisons allow 100 ULP; ranges apply to integer/double scalars
// only; validation callbacks run on declare and on every set; read-only parameters take their
// override at declare but refuse later sets. Two deliberate differences:
//   - an integer for a double parameter (or integer_array for double_array) is accepted and
//     converted, since YAML users write `rate_hz: 30`; rclcpp refuses it ("Wrong parameter type").
//   - numbers have no JS type of their own, so a declare must say 'integer' or 'double' unless
//     the default settles it (a non-integral number, NaN or ±Infinity means double).
import type { ParameterDescriptor, ParameterOverride, ParameterType, ParameterValue } from './parameter.js';
import { errorText } from '../error_text.js';

export class ParameterError extends Error {
  override name = 'ParameterError';
}

export interface ParameterChange {
  name: string;
  type: ParameterType;
  value: ParameterValue;
}

export interface SetParametersResult {
  successful: boolean;
  reason: string;
}

export interface ParameterUpdate {
  name: string;
  value: ParameterValue;
  /** The type the value was sent as (e.g. by `ros2 param set`); inferred from the value when absent. */
  type?: ParameterType;
}

export type ValidateCallback = (changes: readonly ParameterChange[]) => SetParametersResult;
export type ChangedCallback = (changes: readonly ParameterChange[]) => void;

export interface UnusedOverride {
  name: string;
  source: string;
  suggestion?: string;
}

/** `declare('x', 30, ...)` returns number, not the literal type 30. */
export type Widen<T> = T extends boolean ? boolean : T extends number ? number : T extends string ? string : T;

type ScalarType = 'bool' | 'integer' | 'double' | 'string';

interface Entry {
  descriptor: ParameterDescriptor;
  value: ParameterValue;
}

const ELEMENT_TYPE: Partial<Record<ParameterType, ScalarType>> = {
  bool_array: 'bool',
  integer_array: 'integer',
  double_array: 'double',
  string_array: 'string',
};

function scalarFits(type: ScalarType, value: unknown): boolean {
  switch (type) {
    case 'bool':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
  }
}

function valueFits(type: ParameterType, value: unknown): boolean {
  if (type === 'byte_array') return value instanceof Uint8Array;
  const element = ELEMENT_TYPE[type];
  if (element === undefined) return scalarFits(type as ScalarType, value);
  return Array.isArray(value) && value.every((v) => scalarFits(element, v));
}

function copyValue<T extends ParameterValue>(value: T): T {
  if (value instanceof Uint8Array) return value.slice() as T;
  if (Array.isArray(value)) return [...value] as T;
  return value;
}

function formatValue(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes[${value.length}]`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The ROS type a plain JS value would be sent as, for messages. */
function apparentType(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'double';
  if (typeof value === 'string') return 'string';
  if (value instanceof Uint8Array) return 'byte_array';
  if (Array.isArray(value)) {
    const types = new Set(value.map(apparentType));
    if (types.size === 1) return `${[...types][0]}_array`;
    if (types.size === 2 && types.has('integer') && types.has('double')) return 'double_array';
    return value.length === 0 ? 'empty array' : 'mixed array';
  }
  return typeof value;
}

/** Infers the type of a default value; undefined when a number cannot tell integer from double. */
function inferType(value: ParameterValue): ParameterType | undefined {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? undefined : 'double';
  if (value instanceof Uint8Array) return 'byte_array';
  if (value.length === 0) return undefined;
  if (value.every((v) => typeof v === 'boolean')) return 'bool_array';
  if (value.every((v) => typeof v === 'string')) return 'string_array';
  if (value.every((v) => typeof v === 'number')) {
    return value.every((v) => Number.isInteger(v)) ? undefined : 'double_array';
  }
  return undefined;
}

// rclcpp compares doubles to range bounds and steps within 100 ULP.
function doublesEqual(x: number, y: number): boolean {
  return Math.abs(x - y) <= Number.EPSILON * Math.abs(x + y) * 100;
}

function rangeProblem(descriptor: ParameterDescriptor, value: ParameterValue): string | undefined {
  const range = descriptor.range;
  if (range === undefined || typeof value !== 'number') return undefined;
  const step = range.step ?? 0;
  const bounds = `[${range.from}, ${range.to}]${step > 0 ? ` in steps of ${step}` : ''}`;
  if (descriptor.type === 'integer') {
    if (value === range.from || value === range.to) return undefined;
    if (value < range.from || value > range.to) return `${value} is outside the range ${bounds}`;
    if (step > 0 && (value - range.from) % step !== 0) return `${value} is not on a step of the range ${bounds}`;
    return undefined;
  }
  if (descriptor.type === 'double') {
    if (doublesEqual(value, range.from) || doublesEqual(value, range.to)) return undefined;
    if (!(value >= range.from && value <= range.to)) return `${value} is outside the range ${bounds}`;
    if (step > 0 && !doublesEqual(value, range.from + Math.round((value - range.from) / step) * step)) {
      return `${value} is not on a step of the range ${bounds}`;
    }
  }
  return undefined;
}

function choicesProblem(descriptor: ParameterDescriptor, value: ParameterValue): string | undefined {
  const choices = descriptor.choices;
  if (choices === undefined) return undefined;
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : [];
  const strings = values.filter((v): v is string => typeof v === 'string');
  const bad = strings.find((v) => !choices.includes(v));
  return bad === undefined ? undefined : `"${bad}" is not one of ${choices.map((c) => `"${c}"`).join(', ')}`;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The declared name closest to `name`, when it is close enough to be a likely typo. */
function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  for (const candidate of candidates) {
    // A flat name meant for a nested one ('kp' for 'gains.kp') or the reverse.
    const sameLeaf = candidate.endsWith(`.${name}`) || name.endsWith(`.${candidate}`);
    const distance = sameLeaf ? 1 : levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance > limit) continue;
    if (best === undefined || distance < best.distance || (distance === best.distance && candidate < best.candidate)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

const EXAMPLE_VALUE: Record<ParameterType, string> = {
  bool: 'true',
  integer: '<integer, e.g. 10>',
  double: '<double, e.g. 1.5>',
  string: '<text>',
  byte_array: '<bytes>',
  bool_array: '[true, false]',
  integer_array: '[1, 2]',
  double_array: '[1.0, 2.5]',
  string_array: "['a', 'b']",
};

export class ParameterStore {
  private readonly entries = new Map<string, Entry>();
  private readonly validators: ValidateCallback[] = [];
  private readonly listeners: ChangedCallback[] = [];
  private deferred: string[] | undefined;

  constructor(
    readonly nodeFqn: string,
    private readonly overrides: ReadonlyMap<string, ParameterOverride>,
    private readonly nodeSpecificOverrideNames: ReadonlySet<string>,
  ) {}

  private where(name: string): string {
    return `parameter '${name}' of node '${this.nodeFqn}'`;
  }

  /**
   * Declares a parameter and returns its initial value: the override for it when there is one,
   * else `defaultValue`. The type comes from `descriptor.type`, else from the default (see the
   * file comment for numbers). Throws ParameterError when the override or default does not fit.
   */
  declare<T extends ParameterValue>(name: string, defaultValue: T, descriptor: Partial<ParameterDescriptor> = {}): Widen<T> {
    this.assertNotDeclared(name);
    const type = descriptor.type ?? inferType(defaultValue);
    if (type === undefined) {
      const kinds = typeof defaultValue === 'number' ? "'integer' or 'double'" : "the array type (e.g. 'double_array')";
      throw new ParameterError(
        `${this.where(name)}: the default ${formatValue(defaultValue)} does not tell the type; pass { type: ${kinds} }`,
      );
    }
    const full = this.completeDescriptor(name, type, descriptor);
    const defaultConverted = this.convert(full.type, defaultValue, apparentTypeFor(full.type, defaultValue));
    if (defaultConverted === undefined) {
      throw new ParameterError(
        `${this.where(name)}: expected ${full.type}, got ${apparentType(defaultValue)} ${formatValue(defaultValue)} (default)`,
      );
    }
    const override = this.overrides.get(name);
    if (override !== undefined) {
      try {
        const initial = this.convertOverride(full, override);
        this.initialize(name, full, initial, override.source);
        return copyValue(initial) as Widen<T>;
      } catch (err) {
        // Deferred (see deferOverrideProblems): keep the problem, go on with the default.
        if (this.deferred === undefined || !(err instanceof ParameterError) || this.entries.has(name)) throw err;
        this.deferred.push(err.message);
      }
    }
    this.initialize(name, full, defaultConverted, 'default');
    return copyValue(defaultConverted) as Widen<T>;
  }

  /**
   * From now on an override that does not fit its parameter (type, range, choices, a validation
   * callback) does not stop declare(): the default is used and the problem kept for
   * overrideProblems(). startNode uses this to report every problem of a command line at once;
   * a node with such problems must not run.
   */
  deferOverrideProblems(): void {
    this.deferred ??= [];
  }

  /** The override problems deferOverrideProblems() kept, as messages naming parameter and source. */
  overrideProblems(): string[] {
    return [...(this.deferred ?? [])];
  }

  /** Declares a parameter that has no default: an override (-p or a params file) must provide it. */
  declareRequired(name: string, descriptor: Partial<ParameterDescriptor> & { type: ParameterType }): ParameterValue {
    this.assertNotDeclared(name);
    const full = this.completeDescriptor(name, descriptor.type, descriptor);
    const override = this.overrides.get(name);
    if (override === undefined) {
      throw new ParameterError(
        `${this.where(name)} is required but was not given: pass --ros-args -p ${name}:=${EXAMPLE_VALUE[full.type]}, ` +
          `or set it in a params file (--params-file) under '${this.nodeFqn}: ros__parameters: ${name}'`,
      );
    }
    const initial = this.convertOverride(full, override);
    this.initialize(name, full, initial, override.source);
    return copyValue(initial);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  describe(name: string): ParameterDescriptor {
    const { descriptor } = this.entry(name);
    const copy: ParameterDescriptor = { ...descriptor };
    if (descriptor.range !== undefined) copy.range = { ...descriptor.range };
    if (descriptor.choices !== undefined) copy.choices = [...descriptor.choices];
    return copy;
  }

  get(name: string): ParameterValue {
    return copyValue(this.entry(name).value);
  }

  getNumber(name: string): number {
    return this.typed(name, ['integer', 'double'], 'a number') as number;
  }

  getString(name: string): string {
    return this.typed(name, ['string'], 'a string') as string;
  }

  getBool(name: string): boolean {
    return this.typed(name, ['bool'], 'a bool') as boolean;
  }

  getStringArray(name: string): string[] {
    return this.typed(name, ['string_array'], 'a string array') as string[];
  }

  getNumberArray(name: string): number[] {
    return this.typed(name, ['integer_array', 'double_array'], 'a number array') as number[];
  }

  set(name: string, value: ParameterValue, type?: ParameterType): SetParametersResult {
    return this.setMany([type === undefined ? { name, value } : { name, value, type }]);
  }

  /**
   * Sets several parameters atomically: every update is checked (declared, not read-only, type,
   * range, choices), then all validation callbacks must accept the whole batch; only then are the
   * values applied and the change listeners told. Nothing changes when anything fails.
   */
  setMany(updates: readonly ParameterUpdate[]): SetParametersResult {
    const changes: ParameterChange[] = [];
    for (const update of updates) {
      const entry = this.entries.get(update.name);
      if (entry === undefined) return this.failure(update.name, ` is not declared${this.didYouMean(update.name)}`);
      if (entry.descriptor.readOnly) return this.failure(update.name, ' is read-only');
      const given = update.type ?? apparentTypeFor(entry.descriptor.type, update.value);
      const value = this.convert(entry.descriptor.type, update.value, given);
      if (value === undefined) {
        return this.failure(update.name, `: expected ${entry.descriptor.type}, got ${given} ${formatValue(update.value)}`);
      }
      const problem = rangeProblem(entry.descriptor, value) ?? choicesProblem(entry.descriptor, value);
      if (problem !== undefined) return this.failure(update.name, `: ${problem}`);
      changes.push({ name: update.name, type: entry.descriptor.type, value });
    }
    if (changes.length === 0) return { successful: true, reason: '' };
    const verdict = this.validate(changes);
    if (!verdict.successful) return verdict;
    for (const change of changes) this.entries.get(change.name)!.value = change.value;
    this.notify(changes);
    return { successful: true, reason: '' };
  }

  /** Registers a check run before every change (declare included); all must succeed. */
  onValidate(callback: ValidateCallback): () => void {
    return register(this.validators, callback);
  }

  /** Registers a listener told after every change (declare included), with the applied values. */
  onChanged(callback: ChangedCallback): () => void {
    return register(this.listeners, callback);
  }

  /**
   * Overrides meant for this node by name (not via '/**' alone) that it never declared.
   * `alsoDeclared`: names the node declares that this store has not seen (yet), e.g. because
   * creating the node stopped half-way; they are neither unused nor left out of suggestions.
   */
  unusedOverrideDetails(alsoDeclared: Iterable<string> = []): UnusedOverride[] {
    const declared = new Set([...this.entries.keys(), ...alsoDeclared]);
    const unused: UnusedOverride[] = [];
    for (const name of this.nodeSpecificOverrideNames) {
      if (declared.has(name)) continue;
      const detail: UnusedOverride = { name, source: this.overrides.get(name)?.source ?? 'unknown source' };
      const suggestion = closestName(name, declared);
      if (suggestion !== undefined) detail.suggestion = suggestion;
      unused.push(detail);
    }
    return unused;
  }

  /** The same as readable lines: `'rat_hz' (from config/x.yaml): did you mean 'rate_hz'?`. */
  unusedOverrides(alsoDeclared: Iterable<string> = []): string[] {
    return this.unusedOverrideDetails(alsoDeclared).map(
      ({ name, source, suggestion }) => `'${name}' (from ${source})${suggestion === undefined ? '' : `: did you mean '${suggestion}'?`}`,
    );
  }

  // --- internals ---

  private assertNotDeclared(name: string): void {
    if (name.length === 0) throw new ParameterError(`node '${this.nodeFqn}': parameter names must not be empty`);
    if (this.entries.has(name)) throw new ParameterError(`${this.where(name)} is already declared`);
  }

  private completeDescriptor(name: string, type: ParameterType, partial: Partial<ParameterDescriptor>): ParameterDescriptor {
    const descriptor: ParameterDescriptor = {
      type,
      description: partial.description ?? '',
      readOnly: partial.readOnly ?? false,
    };
    if (partial.range !== undefined) {
      const { from, to, step = 0 } = partial.range;
      if (type !== 'integer' && type !== 'double') {
        throw new ParameterError(`${this.where(name)}: a range only applies to integer and double parameters, not ${type}`);
      }
      const integral = type === 'integer' ? [from, to, step].every((n) => Number.isSafeInteger(n)) : true;
      if (!(from <= to) || !(step >= 0) || !integral) {
        throw new ParameterError(`${this.where(name)}: invalid range ${formatValue(partial.range)}`);
      }
      descriptor.range = { ...partial.range };
    }
    if (partial.choices !== undefined) {
      if (type !== 'string' && type !== 'string_array') {
        throw new ParameterError(`${this.where(name)}: choices only apply to string parameters, not ${type}`);
      }
      descriptor.choices = [...partial.choices];
    }
    if (partial.additionalConstraints !== undefined) descriptor.additionalConstraints = partial.additionalConstraints;
    return descriptor;
  }

  /** The value as `declared`, if a value sent as `given` may be stored there; else undefined. */
  private convert(declared: ParameterType, value: ParameterValue, given: string): ParameterValue | undefined {
    const widening = (declared === 'double' && given === 'integer') || (declared === 'double_array' && given === 'integer_array');
    if (given !== declared && !widening) return undefined;
    if (!valueFits(declared, value) || (widening && !valueFits(given, value))) return undefined;
    return copyValue(value);
  }

  private convertOverride(descriptor: ParameterDescriptor, override: ParameterOverride): ParameterValue {
    const value = this.convert(descriptor.type, override.value, override.type);
    if (value === undefined) {
      throw new ParameterError(
        `${this.where(override.name)}: expected ${descriptor.type}, got ${override.type} ${formatValue(override.value)} (from ${override.source})`,
      );
    }
    return value;
  }

  private initialize(name: string, descriptor: ParameterDescriptor, value: ParameterValue, source: string): void {
    const problem = rangeProblem(descriptor, value) ?? choicesProblem(descriptor, value);
    if (problem !== undefined) throw new ParameterError(`${this.where(name)}: ${problem} (from ${source})`);
    const changes = [{ name, type: descriptor.type, value }];
    const verdict = this.validate(changes);
    if (!verdict.successful) throw new ParameterError(`${verdict.reason} (from ${source})`);
    this.entries.set(name, { descriptor, value });
    this.notify(changes);
  }

  private validate(changes: readonly ParameterChange[]): SetParametersResult {
    for (const validator of [...this.validators]) {
      let verdict: SetParametersResult;
      try {
        verdict = validator(changes.map((c) => ({ ...c, value: copyValue(c.value) })));
      } catch (err) {
        verdict = { successful: false, reason: `validation callback threw: ${errorText(err)}` };
      }
      if (!verdict.successful) {
        const names = changes.map((c) => `'${c.name}'`).join(', ');
        return {
          successful: false,
          reason: `node '${this.nodeFqn}' rejected ${names}: ${verdict.reason || 'rejected by a validation callback'}`,
        };
      }
    }
    return { successful: true, reason: '' };
  }

  /** Tells every listener; a listener's exception is rethrown after all have been told. */
  private notify(changes: readonly ParameterChange[]): void {
    const errors: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(changes.map((c) => ({ ...c, value: copyValue(c.value) })));
      } catch (err) {
        errors.push(err);
      }
    }
    const first = errors[0];
    if (first instanceof Error) throw first;
    if (errors.length > 0) throw new Error(`parameter change listener failed: ${String(first)}`);
  }

  /** `suffix` continues "parameter 'x' of node '/n'", e.g. ' is read-only' or ': expected ...'. */
  private failure(name: string, suffix: string): SetParametersResult {
    return { successful: false, reason: `${this.where(name)}${suffix}` };
  }

  private didYouMean(name: string): string {
    const suggestion = closestName(name, this.entries.keys());
    return suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new ParameterError(`${this.where(name)} is not declared${this.didYouMean(name)}`);
    return entry;
  }

  private typed(name: string, types: readonly ParameterType[], what: string): ParameterValue {
    const entry = this.entry(name);
    if (!types.includes(entry.descriptor.type)) {
      throw new ParameterError(`${this.where(name)} is ${entry.descriptor.type}, not ${what}`);
    }
    return copyValue(entry.value);
  }
}

/**
 * The type a raw JS value is taken to be sent as, given the declared type: a number is whatever
 * numeric type was declared (if it fits), so `set('rate_hz', 30)` works for a double.
 */
function apparentTypeFor(declared: ParameterType, value: ParameterValue): string {
  return valueFits(declared, value) ? declared : apparentType(value);
}

function register<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const index = list.indexOf(item);
    if (index >= 0) list.splice(index, 1);
  };
}
