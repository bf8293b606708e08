// ROS 2 interface type names come in two spellings: `pkg/msg/Type` (ROS 2, rosbag2, our public
// API) and `pkg/Type` (ROS 1 style, used by @foxglove/rosmsg: MessageDefinition names and
// complex field types). The registry keys its definitions by the short form, because that is what
// MessageReader/MessageWriter look nested types up by, and shows users the long form.

/** Interface folder in a ROS package; `.srv` files give `<Srv>_Request` / `<Srv>_Response`. */
export type InterfaceKind = 'msg' | 'srv';

export interface TypeNameParts {
  pkg: string;
  /** `undefined` when the name was written without the folder (`pkg/Type`). */
  kind: InterfaceKind | undefined;
  name: string;
}

// Package names: lowercase with underscores (REP 144); type names: CamelCase plus the
// `_Request`/`_Response` suffixes. Be a little lenient (digits, mixed case) and strict on shape.
const TYPE_NAME = /^([A-Za-z][A-Za-z0-9_]*)\/(?:(msg|srv)\/)?([A-Za-z][A-Za-z0-9_]*)$/;

/** Splits `pkg/msg/Type` or `pkg/Type`; `undefined` for anything else. */
export function parseTypeName(type: string): TypeNameParts | undefined {
  const match = TYPE_NAME.exec(type.trim());
  if (match === null) {
    return undefined;
  }
  const [, pkg = '', kind, name = ''] = match;
  return { pkg, kind: kind === 'msg' || kind === 'srv' ? kind : undefined, name };
}

export function fullTypeName(pkg: string, kind: InterfaceKind, name: string): string {
  return `${pkg}/${kind}/${name}`;
}

export function shortTypeName(pkg: string, name: string): string {
  return `${pkg}/${name}`;
}

/** `pkg/msg/Type` → `pkg/Type`; a short name stays as it is. */
export function toShortTypeName(type: string): string {
  const parts = parseTypeName(type);
  return parts === undefined ? type : shortTypeName(parts.pkg, parts.name);
}
