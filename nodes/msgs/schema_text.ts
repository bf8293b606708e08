// `ros2msg` schema text, the MCAP schema encoding rosbag2 uses for ROS 2 messages.
//
// Format, as rosbag2 writes it into MCAP files (e.g. the rcl_interfaces/msg/Log schema of a
// recorded talker):
//
//   <root .msg text, verbatim with comments, ending in a newline>
//   ================================================================================
//   MSG: builtin_interfaces/Time
//   <dependency .msg text>
//   ...
//
// i.e. each dependency is preceded by a line of exactly 80 `=` and a line `MSG: pkg/Type` (the
// short `pkg/Type` form, not `pkg/msg/Type`), with no blank line in between. Dependencies are
// listed breadth-first in field order (the talker bag lists ParameterEvent's Time, Parameter,
// then ParameterValue); older rosbag2 repeated a dependency once per referencing field, we list
// each once. Readers (rosbag2 tooling, Foxglove, @foxglove/rosmsg) find sections by name, so the
// order carries no meaning.
import { stringify } from '@foxglove/rosmsg';
import { withBuiltinTimeMessages, type MessageDefinition } from './definition.js';

export const SCHEMA_SEPARATOR = '='.repeat(80);

/** The section header line rosbag2 writes before a dependency's definition. */
export function dependencyHeader(shortName: string): string {
  return `MSG: ${shortName}`;
}

function endWithNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

export interface SchemaSection {
  /** `pkg/Type`. */
  shortName: string;
  text: string;
}

/** Joins the root text and the dependency sections the way rosbag2 does. */
export function joinSchemaSections(rootText: string, dependencies: readonly SchemaSection[]): string {
  let schema = endWithNewline(rootText);
  for (const dependency of dependencies) {
    schema += `${SCHEMA_SEPARATOR}\n${dependencyHeader(dependency.shortName)}\n${endWithNewline(dependency.text)}`;
  }
  return schema;
}

const SEPARATOR_LINE = /^={80}[ \t]*\r?\n/m;

/** The root message's own text: everything before the first separator line. */
export function rootSectionText(schema: string): string {
  return schema.split(SEPARATOR_LINE)[0] ?? '';
}

/** The sections after the root by the name in their `MSG:` line (as written), with their text. */
export function dependencySections(schema: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const part of schema.split(SEPARATOR_LINE).slice(1)) {
    const header = /^MSG: *([^\s#]+)[^\n]*\n?/.exec(part);
    if (header?.[1] !== undefined) {
      sections.set(header[1], part.slice(header[0].length));
    }
  }
  return sections;
}

/** The `MSG: ...` header lines of a schema text, in order (repeats kept). */
export function dependencyHeaders(schema: string): string[] {
  return [...schema.matchAll(/^={80}[ \t]*\r?\n(MSG: [^\r\n]*)/gm)].map((match) => (match[1] ?? '').trim());
}

/**
 * .msg text for a definition that has no source text (the standard messages from
 * @foxglove/rosmsg-msgs-common are stored parsed). Comments are gone; constants come first.
 */
export function definitionText(definition: MessageDefinition): string {
  return endWithNewline(stringify([withBuiltinTimeMessages(definition)]));
}

/** A service definition (`request --- response`) rather than a message definition. */
export function looksLikeServiceSchema(schema: string): boolean {
  return /^---[ \t]*\r?$/m.test(schema);
}
