// ROS 2 names: validation, expansion and remapping, as rcl/rmw do them (Humble, Jazzy).
//
// Sources the rules were taken from (read, not copied):
//   ros2/rmw  rmw/src/validate_node_name.c, validate_namespace.c, validate_full_topic_name.c
//   ros2/rcl  rcl/src/rcl/validate_topic_name.c   (input names: ~, {substitutions})
//   ros2/rcl  rcl/src/rcl/expand_topic_name.c     (expansion to a fully qualified name)
//   ros2/rcl  rcl/src/rcl/node_resolve_name.c     (expand, remap, then validate the result)
//   ros2/rcl  rcl/src/rcl/remap.c                 (first matching rule wins)
//   ros2/rcl  rcl/src/rcl/arguments.c + lexer.c   (remap rule grammar)
//   ros2/rcl  rcl/src/rcl/node.c                  (node name remapped before the namespace)
import type { RemapRule } from './remap.js';

/** A name that ROS would reject; `index` is the offending character position when known. */
export class NameError extends Error {
  override name = 'NameError';
  constructor(
    message: string,
    readonly input: string,
    readonly index?: number,
  ) {
    super(message);
  }
}

// rmw limits: topic names leave 8 characters for DDS prefixes (rt/, rq/...); a namespace leaves
// room for the shortest topic in it ('/x'); node names have an arbitrary cap.
export const TOPIC_NAME_MAX_LENGTH = 255 - 8;
export const NAMESPACE_MAX_LENGTH = TOPIC_NAME_MAX_LENGTH - 2;
export const NODE_NAME_MAX_LENGTH = 255;

const SPECIAL_NODE_RULES = new Set(['__node', '__name']);
const SPECIAL_NS_RULE = '__ns';

function isAlnum(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function fail(kind: string, input: string, reason: string, index: number): never {
  throw new NameError(`invalid ${kind} '${input}': ${reason} (at position ${index})`, input, index);
}

/** Node names: [A-Za-z0-9_]+, not starting with a digit (rmw_validate_node_name). */
export function validateNodeName(name: string): void {
  const kind = 'node name';
  if (name.length === 0) fail(kind, name, 'must not be empty', 0);
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (!isAlnum(c) && c !== '_') {
      fail(kind, name, `character '${c}' is not allowed (only alphanumerics and '_')`, i);
    }
  }
  if (isDigit(name[0])) fail(kind, name, 'must not start with a number', 0);
  if (name.length > NODE_NAME_MAX_LENGTH) {
    fail(kind, name, `must not be longer than ${NODE_NAME_MAX_LENGTH} characters`, NODE_NAME_MAX_LENGTH - 1);
  }
}

/** Checks an absolute name against rmw's fully-qualified rules; `kind` only words the error. */
function checkFullyQualified(name: string, kind: string, maxLength: number): void {
  if (name.length === 0) fail(kind, name, 'must not be empty', 0);
  if (name[0] !== '/') fail(kind, name, "must be absolute (start with '/')", 0);
  if (name.endsWith('/')) fail(kind, name, "must not end with '/'", name.length - 1);
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (!isAlnum(c) && c !== '_' && c !== '/') {
      fail(kind, name, `character '${c}' is not allowed (only alphanumerics, '_' and '/')`, i);
    }
  }
  for (let i = 0; i < name.length - 1; i++) {
    if (name[i] !== '/') continue;
    if (name[i + 1] === '/') fail(kind, name, "must not contain repeated '/'", i + 1);
    if (isDigit(name[i + 1])) fail(kind, name, 'a name token must not start with a number', i + 1);
  }
  if (name.length > maxLength) {
    fail(kind, name, `must not be longer than ${maxLength} characters`, maxLength - 1);
  }
}

/** A fully qualified topic or service name, e.g. '/fr3/joint_states' (rmw_validate_full_topic_name). */
export function validateFullyQualifiedName(name: string): void {
  checkFullyQualified(name, 'fully qualified name', TOPIC_NAME_MAX_LENGTH);
}

/** An absolute namespace: '/' or a fully qualified name without trailing '/' (rmw_validate_namespace). */
export function validateNamespace(ns: string): void {
  if (ns === '/') return;
  checkFullyQualified(ns, 'namespace', NAMESPACE_MAX_LENGTH);
}

/**
 * A topic or service name as a node writes it: relative ('cmd'), absolute ('/cmd'), private
 * ('~', '~/cmd') and with substitutions ('{node}/cmd'). Rules of rcl_validate_topic_name, plus the
 * repeated-'/' check that rcl only makes after expansion (ROS rejects such names either way).
 * rcl misses '~x' when the name is exactly two characters long; it is rejected here as the rule
 * ("'~' must be followed by '/'") intends.
 */
export function validateTopicName(name: string): void {
  const kind = 'topic name';
  if (name.length === 0) fail(kind, name, 'must not be empty', 0);
  if (isDigit(name[0])) fail(kind, name, 'a name token must not start with a number', 0);
  if (name.endsWith('/')) fail(kind, name, "must not end with '/'", name.length - 1);
  let braceOpenAt = -1;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    const inBraces = braceOpenAt >= 0;
    if (isAlnum(c)) {
      if (isDigit(c) && inBraces && i === braceOpenAt + 1) {
        fail(kind, name, 'a substitution name must not start with a number', i);
      }
    } else if (c === '_') {
      continue;
    } else if (c === '/') {
      if (inBraces) fail(kind, name, "a substitution name must not contain '/'", i);
    } else if (c === '~') {
      if (i !== 0) fail(kind, name, "'~' is only allowed as the first character", i);
    } else if (c === '{') {
      if (inBraces) fail(kind, name, 'substitutions must not be nested', i);
      braceOpenAt = i;
    } else if (c === '}') {
      if (!inBraces) fail(kind, name, "unmatched '}'", i);
      braceOpenAt = -1;
    } else if (inBraces) {
      fail(kind, name, `character '${c}' is not allowed in a substitution (only alphanumerics and '_')`, i);
    } else {
      fail(kind, name, `character '${c}' is not allowed (only alphanumerics, '_', '/', '~', '{', '}')`, i);
    }
  }
  if (braceOpenAt >= 0) fail(kind, name, "unmatched '{'", braceOpenAt);
  if (name[0] === '~' && name.length > 1 && name[1] !== '/') {
    fail(kind, name, "'~' must be followed by '/'", 1);
  }
  for (let i = 0; i < name.length - 1; i++) {
    if (name[i] !== '/') continue;
    if (name[i + 1] === '/') fail(kind, name, "must not contain repeated '/'", i + 1);
    if (isDigit(name[i + 1])) fail(kind, name, 'a name token must not start with a number', i + 1);
  }
}

/** '' → '/', 'a' → '/a', '/a/' → '/a'; the result must be a valid namespace. */
export function normalizeNamespace(ns: string): string {
  let normalized = ns.startsWith('/') ? ns : `/${ns}`;
  // rcl would reject a trailing '/'; accepting it here only forgives a typing habit.
  if (/[^/]\/$/.test(normalized)) normalized = normalized.slice(0, -1);
  validateNamespace(normalized);
  return normalized;
}

/** '/ns' + 'node' → '/ns/node'; '/' + 'node' → '/node'. */
export function fullyQualifiedNodeName(namespace: string, name: string): string {
  const ns = normalizeNamespace(namespace);
  validateNodeName(name);
  return ns === '/' ? `/${name}` : `${ns}/${name}`;
}

/**
 * Expands a node-relative name to a fully qualified one, as rcl_expand_topic_name followed by
 * rmw's full-name check: '~' → node FQN, '{node}' → node name, '{ns}'/'{namespace}' → namespace,
 * relative names are put under the namespace. Note that '{ns}/x' in the root namespace yields
 * '//x', which ROS rejects; so does this function.
 */
export function expandTopicName(name: string, nodeName: string, namespace: string): string {
  validateTopicName(name);
  validateNodeName(nodeName);
  const ns = normalizeNamespace(namespace);
  const under = (base: string, rest: string): string => (base === '/' ? `/${rest}` : `${base}/${rest}`);

  let expanded = name;
  if (expanded.startsWith('~')) {
    const nodeFqn = under(ns, nodeName);
    expanded = nodeFqn + expanded.slice(1);
  }
  expanded = expanded.replace(/\{([^}]*)\}/g, (whole, key: string) => {
    if (key === 'node') return nodeName;
    if (key === 'ns' || key === 'namespace') return ns;
    throw new NameError(
      `invalid topic name '${name}': unknown substitution '${whole}' (known: {node}, {ns}, {namespace})`,
      name,
      name.indexOf(whole),
    );
  });
  if (!expanded.startsWith('/')) expanded = under(ns, expanded);
  try {
    validateFullyQualifiedName(expanded);
  } catch (err) {
    if (err instanceof NameError) {
      throw new NameError(`topic name '${name}' expands to an invalid name: ${err.message}`, name, err.index);
    }
    throw err;
  }
  return expanded;
}

// --- Remap rules -----------------------------------------------------------------------------

// A name token of rcl's lexer: starts with a letter or '_', never two '_' in a row
// (a '__' starts the special lexemes __node/__name/__ns).
const TOKEN = /^(?:[A-Za-z]|_(?!_))(?:[A-Za-z0-9]|_(?!_))*$/;

function badRule(text: string, reason: string): never {
  throw new NameError(
    `invalid remap rule '${text}': ${reason}; expected [node:]from:=to, [node:]__node:=name or [node:]__ns:=/namespace`,
    text,
  );
}

/** Checks 'a/b', '/a/b' or '~/a/b' as the remap grammar allows (tokens joined by single '/'). */
function checkRuleName(text: string, side: 'from' | 'to', name: string): void {
  if (name.length === 0) badRule(text, `the '${side}' side is empty`);
  if (name.includes('*')) badRule(text, 'wildcards are not supported (rcl does not implement them)');
  if (/\\[1-9]/.test(name)) badRule(text, 'backreferences are not supported (rcl does not implement them)');
  let body = name;
  if (body.startsWith('~/')) body = body.slice(2);
  else if (body.startsWith('/')) body = body.slice(1);
  for (const token of body.split('/')) {
    if (!TOKEN.test(token)) {
      badRule(
        text,
        `'${name}' is not a valid name ('${token}' is not a name token: letters, digits, single '_', not starting with a digit)`,
      );
    }
  }
}

/**
 * Parses `from:=to`, `node:from:=to`, `[node:]__node:=name` (or `__name`) and
 * `[node:]__ns:=/namespace`, with the grammar of rcl's remap parser (arguments.c). The
 * `rostopic://` / `rosservice://` prefixes are not supported: RemapRule cannot carry them.
 */
export function parseRemapRule(text: string): RemapRule {
  const sep = text.indexOf(':=');
  if (sep < 0) badRule(text, "missing ':='");
  let lhs = text.slice(0, sep);
  const to = text.slice(sep + 2);
  if (/^ros(topic|service):\/\//.test(lhs)) {
    badRule(text, 'rostopic:// and rosservice:// prefixes are not supported');
  }
  let nodeName: string | undefined;
  const colon = lhs.indexOf(':');
  if (colon >= 0) {
    nodeName = lhs.slice(0, colon);
    lhs = lhs.slice(colon + 1);
    if (!TOKEN.test(nodeName)) badRule(text, `'${nodeName}' is not a valid node name prefix`);
  }
  const withNode = (rule: RemapRule): RemapRule => (nodeName === undefined ? rule : { nodeName, ...rule });

  if (SPECIAL_NODE_RULES.has(lhs)) {
    if (!TOKEN.test(to)) badRule(text, `'${to}' is not a valid node name`);
    return withNode({ from: lhs, to });
  }
  if (lhs === SPECIAL_NS_RULE) {
    // '/', '/a', '/a/b' and (as rcl's parser allows) one trailing '/'.
    if (!to.startsWith('/')) badRule(text, `namespace '${to}' must be absolute (start with '/')`);
    if (to !== '/') {
      const body = to.endsWith('/') ? to.slice(1, -1) : to.slice(1);
      if (body.length === 0 || !body.split('/').every((t) => TOKEN.test(t))) {
        badRule(text, `'${to}' is not a valid namespace`);
      }
    }
    return withNode({ from: lhs, to });
  }
  if (lhs.startsWith('__')) badRule(text, `'${lhs}' is not a name (only __node, __name and __ns are special)`);
  checkRuleName(text, 'from', lhs);
  checkRuleName(text, 'to', to);
  return withNode({ from: lhs, to });
}

function isSpecialRule(rule: RemapRule): boolean {
  return SPECIAL_NODE_RULES.has(rule.from) || rule.from === SPECIAL_NS_RULE;
}

function appliesToNode(rule: RemapRule, nodeName: string): boolean {
  return rule.nodeName === undefined || rule.nodeName === nodeName;
}

function tryExpand(name: string, nodeName: string, namespace: string): string | undefined {
  try {
    return expandTopicName(name, nodeName, namespace);
  } catch (err) {
    if (err instanceof NameError) return undefined;
    throw err;
  }
}

/**
 * Remaps a fully qualified topic/service name for a node, as rcl_remap_name: rules are tried in
 * order (pass a node's own rules before the global ones to get rcl's local-before-global order);
 * a rule with `nodeName` only applies to that node; `from` is expanded relative to the node and
 * must equal `fqName` (a `from` that cannot be expanded never matches); the first match wins and
 * its `to` is expanded relative to the node. Node and namespace rules are ignored here.
 */
export function applyTopicRemaps(fqName: string, rules: readonly RemapRule[], nodeName: string, namespace: string): string {
  validateFullyQualifiedName(fqName);
  for (const rule of rules) {
    if (isSpecialRule(rule) || !appliesToNode(rule, nodeName)) continue;
    if (tryExpand(rule.from, nodeName, namespace) !== fqName) continue;
    return expandTopicName(rule.to, nodeName, namespace);
  }
  return fqName;
}

/**
 * Applies `__node`/`__name` and `__ns` rules, as rcl_node_init does: the first node-name rule
 * that applies to `defaultName` wins; then the first namespace rule that applies to the *new*
 * name wins. Rules are taken in order; rcl gives a `node:`-prefixed rule no precedence over a
 * global one, only local (node options) arguments over global ones, which the caller expresses
 * by the order of `rules`.
 */
export function resolveNodeIdentity(
  defaultName: string,
  defaultNamespace: string,
  rules: readonly RemapRule[],
): { name: string; namespace: string } {
  validateNodeName(defaultName);
  let namespace = normalizeNamespace(defaultNamespace);
  const nameRule = rules.find((r) => SPECIAL_NODE_RULES.has(r.from) && appliesToNode(r, defaultName));
  const name = nameRule?.to ?? defaultName;
  validateNodeName(name);
  const nsRule = rules.find((r) => r.from === SPECIAL_NS_RULE && appliesToNode(r, name));
  if (nsRule !== undefined) namespace = normalizeNamespace(nsRule.to);
  return { name, namespace };
}
