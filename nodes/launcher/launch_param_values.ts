// Typing of launch values: launch's coercion of text to bool/int/float (type_utils.py, with
// Python's int()/float() rules) and the typing of <param> values (`type`, `value-sep`) into
// ROS parameter values.

import type { ParameterType, ParameterValue } from '../ros/parameter.js';
import { ParameterValueError, parseParameterValue, type TypedValue } from '../ros/params_file.js';

export type ParamTypeId = 'yaml' | 'str' | 'bool' | 'int' | 'float' | 'list_of_str' | 'list_of_bool' | 'list_of_int' | 'list_of_float';
export const PARAM_TYPE_IDS: readonly ParamTypeId[] = [
  'str',
  'bool',
  'float',
  'int',
  'list_of_str',
  'list_of_bool',
  'list_of_float',
  'list_of_int',
  'yaml',
];

/** YAML 1.1 booleans as PyYAML's safe_load reads them (launch's bool coercion). */
const YAML_TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML_FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

/** launch's coerce_to_type(text, bool): '1'/'0' first, then YAML booleans; undefined otherwise. */
export function coerceBool(text: string): boolean | undefined {
  if (text === '1') return true;
  if (text === '0') return false;
  const trimmed = text.trim();
  if (YAML_TRUE.has(trimmed)) return true;
  if (YAML_FALSE.has(trimmed)) return false;
  return undefined;
}

const PY_DIGITS = '[0-9](?:_?[0-9])*';
const PY_FLOAT = new RegExp(`^[+-]?(?:${PY_DIGITS}(?:\\.(?:${PY_DIGITS})?)?|\\.${PY_DIGITS})(?:[eE][+-]?${PY_DIGITS})?$`);
const PY_INT = new RegExp(`^[+-]?${PY_DIGITS}$`);

/** Python's float(text); undefined where it raises ValueError. */
export function pythonFloat(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  return PY_FLOAT.test(t) ? Number(t.replace(/_/g, '')) : undefined;
}

/** Python's int(text) (base 10); undefined where it raises, or beyond what a double holds exactly. */
function pythonInt(text: string): number | undefined {
  const t = text.trim();
  if (!PY_INT.test(t)) return undefined;
  const value = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

const ARRAY_OF: Partial<Record<ParameterType, ParameterType>> = {
  bool: 'bool_array',
  integer: 'integer_array',
  double: 'double_array',
  string: 'string_array',
};

function typeScalarAs(text: string, typeId: 'str' | 'bool' | 'int' | 'float'): TypedValue {
  switch (typeId) {
    case 'str':
      return { type: 'string', value: text };
    case 'bool': {
      const value = coerceBool(text);
      if (value === undefined) throw new ParameterValueError(`'${text}' is not a bool (true, false, 1, 0, yes, no, on, off)`);
      return { type: 'bool', value };
    }
    case 'int': {
      const value = pythonInt(text);
      if (value === undefined) throw new ParameterValueError(`'${text}' is not an int`);
      return { type: 'integer', value };
    }
    case 'float': {
      const value = pythonFloat(text);
      if (value === undefined) throw new ParameterValueError(`'${text}' is not a float`);
      return { type: 'double', value };
    }
  }
}

/**
 * A `value` without `value-sep`. With no `type` (or type="yaml") the text is typed the way ROS
 * types a YAML value (parseParameterValue); an empty result stays the empty string, as launch
 * forwards empty text untyped. Explicit scalar types convert as Python's str/int/float and
 * launch's bool coercion; list types require a YAML list of that element type.
 */
export function typeParamValue(text: string, typeId: ParamTypeId): TypedValue {
  if (typeId === 'yaml') return text === '' ? { type: 'string', value: '' } : parseParameterValue(text);
  if (!typeId.startsWith('list_of_')) return typeScalarAs(text, typeId as 'str' | 'bool' | 'int' | 'float');
  const typed = parseParameterValue(text);
  const wanted: Record<string, ParameterType> = {
    list_of_str: 'string_array',
    list_of_bool: 'bool_array',
    list_of_int: 'integer_array',
    list_of_float: 'double_array',
  };
  if (typed.type !== wanted[typeId]) {
    const hint =
      typeId === 'list_of_float' && typed.type === 'integer_array' ? ' (write every number with a decimal point, e.g. [1.0, 2.0])' : '';
    throw new ParameterValueError(`type '${typeId}' needs a YAML list of that type, got ${typed.type}${hint}`);
  }
  return typed;
}

/** `value` split by `value-sep`: each item typed on its own (empty items stay ''), one type for all. */
export function typeSeparatedValue(items: readonly string[], typeId: ParamTypeId): TypedValue {
  const scalarType = typeId.startsWith('list_of_') ? (typeId.slice('list_of_'.length) as 'str' | 'bool' | 'int' | 'float') : undefined;
  if (typeId !== 'yaml' && scalarType === undefined)
    throw new ParameterValueError(`'value-sep' makes a list, which type '${typeId}' is not`);
  const typed = items.map((item): TypedValue => {
    if (scalarType !== undefined) return typeScalarAs(item, scalarType);
    if (item === '') return { type: 'string', value: '' };
    const value = parseParameterValue(item);
    if (value.type.endsWith('_array')) throw new ParameterValueError(`item '${item}' is itself a list`);
    return value;
  });
  const first = typed[0].type;
  const odd = typed.findIndex((t) => t.type !== first);
  if (odd >= 0) throw new ParameterValueError(`list items must have one type: item ${odd} is ${typed[odd].type} but item 0 is ${first}`);
  return { type: ARRAY_OF[first] as ParameterType, value: typed.map((t) => t.value) as ParameterValue };
}
