// The parsed-definition shapes used across nodes/msgs, and the few facts about them that the
// libraries leave implicit. The types come from @foxglove/rosmsg's own signatures, so we depend
// only on the packages listed in package.json (not on @foxglove/message-definition directly).
import type { parse } from '@foxglove/rosmsg';

/** A parsed message: `name` is `pkg/Type` (unnamed for the root of a parsed schema). */
export type MessageDefinition = ReturnType<typeof parse>[number];
export type MessageDefinitionField = MessageDefinition['definitions'][number];

// @foxglove/rosmsg turns builtin_interfaces/Time and Duration into the ROS 1 primitives `time` and
// `duration` (the CDR layout is identical: int32 sec, uint32 nanosec). For ROS 2 they are ordinary
// messages: a schema text must name them and carry their definitions, as rosbag2 does.
export const BUILTIN_TIME_TYPES: ReadonlyMap<string, string> = new Map([
  ['time', 'builtin_interfaces/Time'],
  ['duration', 'builtin_interfaces/Duration'],
]);

/** The data fields (constants do not travel on the wire). */
export function dataFields(definition: MessageDefinition): MessageDefinitionField[] {
  return definition.definitions.filter((field) => field.isConstant !== true);
}

export function constantFields(definition: MessageDefinition): MessageDefinitionField[] {
  return definition.definitions.filter((field) => field.isConstant === true);
}

/**
 * The message types a definition refers to, as `pkg/Type`, in field order without repeats; the
 * `time`/`duration` primitives count as builtin_interfaces/Time/Duration.
 */
export function referencedTypes(definition: MessageDefinition): string[] {
  const referenced = new Set<string>();
  for (const field of dataFields(definition)) {
    if (field.isComplex === true) {
      referenced.add(field.type);
    } else {
      const builtin = BUILTIN_TIME_TYPES.get(field.type);
      if (builtin !== undefined) {
        referenced.add(builtin);
      }
    }
  }
  return [...referenced];
}

/** A copy without the `key: undefined` entries @foxglove/rosmsg's parser leaves on every field. */
export function compactDefinition(definition: MessageDefinition, name?: string): MessageDefinition {
  const fields = definition.definitions.map((field) => {
    const compact: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(field)) {
      if (value !== undefined) {
        compact[key] = value;
      }
    }
    return compact as MessageDefinitionField;
  });
  const resolvedName = name ?? definition.name;
  return resolvedName === undefined ? { definitions: fields } : { name: resolvedName, definitions: fields };
}

/**
 * The definition as a ROS 2 .msg would write it: `time`/`duration` fields become
 * builtin_interfaces/Time/Duration message fields. Used to render schema text.
 */
export function withBuiltinTimeMessages(definition: MessageDefinition): MessageDefinition {
  return {
    ...definition,
    definitions: definition.definitions.map((field) => {
      const builtin = field.isConstant === true ? undefined : BUILTIN_TIME_TYPES.get(field.type);
      return builtin === undefined ? field : { ...field, type: builtin, isComplex: true };
    }),
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  }
  return Object.is(a, b);
}

/**
 * Whether two fields mean the same thing on the wire and in code: absent booleans count as false,
 * and the constants' source spelling (`valueText`) does not matter, only the value.
 */
export function sameField(a: MessageDefinitionField, b: MessageDefinitionField): boolean {
  return (
    a.name === b.name &&
    a.type === b.type &&
    (a.isComplex === true) === (b.isComplex === true) &&
    (a.isArray === true) === (b.isArray === true) &&
    (a.isConstant === true) === (b.isConstant === true) &&
    a.arrayLength === b.arrayLength &&
    a.arrayUpperBound === b.arrayUpperBound &&
    a.upperBound === b.upperBound &&
    sameValue(a.value, b.value) &&
    sameValue(a.defaultValue, b.defaultValue)
  );
}

function sameFieldLists(a: readonly MessageDefinitionField[], b: readonly MessageDefinitionField[]): boolean {
  return (
    a.length === b.length &&
    a.every((field, index) => {
      const other = b[index];
      return other !== undefined && sameField(field, other);
    })
  );
}

function byName(fields: readonly MessageDefinitionField[]): MessageDefinitionField[] {
  return [...fields].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Whether two definitions describe the same message: data fields equal and in order, the same
 * constants in any order (stringify lists constants first; their position carries no meaning).
 * Names are not compared (a parsed root has none).
 */
export function sameDefinition(a: MessageDefinition, b: MessageDefinition): boolean {
  return sameFieldLists(dataFields(a), dataFields(b)) && sameFieldLists(byName(constantFields(a)), byName(constantFields(b)));
}
