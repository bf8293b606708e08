// A node's parameters declared once, as data (in the spirit of ros2_control's
// generate_parameter_library): name, type, default, range or choices, description, read-only or
// dynamic. From one schema come the typed values (string choices narrow to their union type),
// the declarations in the node's ParameterStore (which validates type, range and choices on
// declare and on every set), `--help-params` and the generated docs tables.
//
// Parameters are read-only unless marked `dynamic`: a node takes a change at run time only where
// it says it handles one.
import type { NumericRange, ParameterDescriptor, ParameterType, ParameterValue } from './parameter.js';
import type { ParameterChange, ParameterStore } from './parameter_store.js';

export interface ParameterSpec<T> {
  readonly type: ParameterType;
  readonly default: T;
  readonly description: string;
  readonly readOnly: boolean;
  readonly range?: NumericRange;
  readonly choices?: readonly string[];
}

/** Parameters by their ROS name (dots for nesting, as in a params file: `robot.joint_names`). */
export type ParameterSchema = { readonly [name: string]: ParameterSpec<unknown> };

/** The typed values of a schema, by the same names. */
export type ParameterValues<S extends ParameterSchema> = { readonly [K in keyof S]: S[K] extends ParameterSpec<infer T> ? T : never };

interface Options {
  /** The node handles a change at run time (default: read-only). */
  dynamic?: boolean;
}

interface NumberOptions extends Options {
  /** Inclusive [from, to] (, step). */
  range?: readonly [number, number] | readonly [number, number, number];
}

function spec<T>(
  type: ParameterType,
  value: T,
  description: string,
  options: NumberOptions & { choices?: readonly string[] },
): ParameterSpec<T> {
  const out: { -readonly [K in keyof ParameterSpec<T>]: ParameterSpec<T>[K] } = {
    type,
    default: value,
    description,
    readOnly: options.dynamic !== true,
  };
  if (options.range !== undefined) {
    const [from, to, step] = options.range;
    out.range = step === undefined ? { from, to } : { from, to, step };
  }
  if (options.choices !== undefined) out.choices = options.choices;
  return Object.freeze(out);
}

/** Builders of parameter specs; the value type follows from the builder. */
export const param = {
  bool: (value: boolean, description: string, options: Options = {}) => spec<boolean>('bool', value, description, options),
  integer: (value: number, description: string, options: NumberOptions = {}) => spec<number>('integer', value, description, options),
  double: (value: number, description: string, options: NumberOptions = {}) => spec<number>('double', value, description, options),
  string: (value: string, description: string, options: Options = {}) => spec<string>('string', value, description, options),
  /** A string limited to `choices`; its value type is their union. */
  choice: <const C extends readonly string[]>(choices: C, value: C[number], description: string, options: Options = {}) =>
    spec<C[number]>('string', value, description, { ...options, choices }),
  stringArray: (value: readonly string[], description: string, options: Options = {}) =>
    spec<readonly string[]>('string_array', value, description, options),
  /** A string array whose every element is one of `choices`. */
  choiceArray: <const C extends readonly string[]>(choices: C, value: readonly C[number][], description: string, options: Options = {}) =>
    spec<readonly C[number][]>('string_array', value, description, { ...options, choices }),
  doubleArray: (value: readonly number[], description: string, options: Options = {}) =>
    spec<readonly number[]>('double_array', value, description, options),
  integerArray: (value: readonly number[], description: string, options: Options = {}) =>
    spec<readonly number[]>('integer_array', value, description, options),
};

/** The descriptor the ParameterStore (and `ros2 param describe`) gets for a spec. */
export function descriptorOf(s: ParameterSpec<unknown>): Partial<ParameterDescriptor> & { type: ParameterType } {
  const d: Partial<ParameterDescriptor> & { type: ParameterType } = { type: s.type, description: s.description, readOnly: s.readOnly };
  if (s.range !== undefined) d.range = { ...s.range };
  if (s.choices !== undefined) d.choices = [...s.choices];
  return d;
}

/** A spec's default or a stored value as a fresh ParameterValue (arrays copied). */
export function parameterValue(value: unknown): ParameterValue {
  return Array.isArray(value) ? (value.slice() as ParameterValue) : (value as ParameterValue);
}

/**
 * Declares every parameter of `schema` in `store` (in the schema's order) and returns their
 * initial values: the override where one is given, else the default. A value that does not fit
 * throws the store's ParameterError, one line naming the parameter and where the value came from.
 */
export function declareParameters<S extends ParameterSchema>(store: ParameterStore, schema: S): ParameterValues<S> {
  const values: Record<string, ParameterValue> = {};
  for (const [name, s] of Object.entries(schema)) values[name] = store.declare(name, parameterValue(s.default), descriptorOf(s));
  // The store checked every value against its spec's type and choices.
  return values as ParameterValues<S>;
}

/**
 * The current values of `schema`'s parameters, with `pending` changes (e.g. the batch a
 * validation callback is asked about) applied first.
 */
export function readParameters<S extends ParameterSchema>(
  store: ParameterStore,
  schema: S,
  pending: readonly ParameterChange[] = [],
): ParameterValues<S> {
  const changed = new Map(pending.map((c) => [c.name, c.value]));
  const values: Record<string, ParameterValue> = {};
  for (const name of Object.keys(schema)) values[name] = changed.has(name) ? parameterValue(changed.get(name)) : store.get(name);
  return values as ParameterValues<S>;
}

/** The defaults of a schema as typed values (tests, benchmarks and tools start from them). */
export function parameterDefaults<S extends ParameterSchema>(schema: S): ParameterValues<S> {
  const values: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema)) values[name] = s.default;
  return values as ParameterValues<S>;
}

/** `schema` with some defaults replaced (descriptions, types and limits stay the shared ones). */
export function withDefaults<S extends ParameterSchema>(schema: S, defaults: { readonly [K in keyof S]?: ParameterValues<S>[K] }): S {
  const out: Record<string, ParameterSpec<unknown>> = { ...schema };
  for (const [name, value] of Object.entries(defaults) as [string, unknown][]) {
    const s = schema[name];
    if (s === undefined) throw new Error(`withDefaults: no parameter '${name}' in the schema`);
    out[name] = Object.freeze({ ...s, default: value });
  }
  return out as S;
}

/** The parameters of `schema` named in `names`, in that order (a node takes the shared ones it uses). */
export function pickParameters<S extends ParameterSchema, K extends keyof S & string>(
  schema: S,
  names: readonly K[],
): { readonly [N in K]: S[N] } {
  const out: Record<string, ParameterSpec<unknown>> = {};
  for (const name of names) out[name] = schema[name];
  return out as { readonly [N in K]: S[N] };
}
