// Parameter types and values as ROS messages carry them (rcl_interfaces/msg/ParameterType ids,
// int64 as BigInt, typed arrays): the rclnodejs backend's parameters and the component
// container's LoadNode requests convert through here.

import { rcl_interfaces } from '../msgs/generated/interfaces.js';
import type { ParameterType, ParameterValue } from './parameter.js';

// rclnodejs declares these ids as an ambient const enum, which isolated modules cannot read; the
// generated message constants are the same.
const PT = rcl_interfaces.msg.ParameterType;

export const RCL_PARAMETER_TYPE: Readonly<Record<ParameterType, number>> = {
  bool: PT.PARAMETER_BOOL,
  integer: PT.PARAMETER_INTEGER,
  double: PT.PARAMETER_DOUBLE,
  string: PT.PARAMETER_STRING,
  byte_array: PT.PARAMETER_BYTE_ARRAY,
  bool_array: PT.PARAMETER_BOOL_ARRAY,
  integer_array: PT.PARAMETER_INTEGER_ARRAY,
  double_array: PT.PARAMETER_DOUBLE_ARRAY,
  string_array: PT.PARAMETER_STRING_ARRAY,
};

/** The type of an rcl_interfaces/ParameterType id; undefined for PARAMETER_NOT_SET and unknown ids. */
export const PARAMETER_TYPE_OF: Readonly<Record<number, ParameterType | undefined>> = Object.fromEntries(
  Object.entries(RCL_PARAMETER_TYPE).map(([k, v]) => [v, k]),
) as Record<number, ParameterType>;

/** Our value → what a ROS message or rclnodejs stores (int64 as BigInt). */
export function toRclValue(type: ParameterType, value: ParameterValue): unknown {
  if (type === 'integer') return BigInt(value as number);
  if (type === 'integer_array') return (value as number[]).map((v) => BigInt(v));
  if (type === 'byte_array') return [...(value as Uint8Array)];
  return value;
}

/** A ROS message's or rclnodejs's value → ours (numbers, plain arrays, Uint8Array for bytes). */
export function fromRclValue(type: ParameterType, value: unknown): ParameterValue {
  if (type === 'integer') return Number(value);
  if (type === 'integer_array') return [...(value as Iterable<bigint | number>)].map((v) => Number(v));
  if (type === 'double_array') return [...(value as Iterable<number>)];
  if (type === 'byte_array') return Uint8Array.from(value as Iterable<number>);
  return value as ParameterValue;
}
