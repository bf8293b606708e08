// Parameter value types as ROS 2 defines them (rcl_interfaces/msg/ParameterType).
// Integers are JS numbers (safe-integer range); the backends convert to BigInt where the
// ROS client library wants int64.

export type ParameterType =
  'bool' | 'integer' | 'double' | 'string' | 'byte_array' | 'bool_array' | 'integer_array' | 'double_array' | 'string_array';

export type ParameterValue = boolean | number | string | Uint8Array | boolean[] | number[] | string[];

export interface NumericRange {
  from: number;
  to: number;
  /** 0 or absent: any value in [from, to]. */
  step?: number;
}

export interface ParameterDescriptor {
  type: ParameterType;
  description: string;
  readOnly: boolean;
  /** floating_point_range for doubles, integer_range for integers (inclusive). */
  range?: NumericRange;
  /** Free text shown by `ros2 param describe`, e.g. allowed values. */
  additionalConstraints?: string;
  /** Allowed values for string parameters; enforced on declare and set. */
  choices?: readonly string[];
}

/** A value for a parameter coming from outside the node: -p, a params file, or a launch file. */
export interface ParameterOverride {
  name: string;
  type: ParameterType;
  value: ParameterValue;
  /** Where it came from, for error messages: a file path, '-p', or 'launch <file>'. */
  source: string;
}
