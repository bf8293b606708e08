// Name validation, expansion and remapping. Expected values follow rcl/rmw:
//   ros2/rcl rcl/test/rcl/test_validate_topic_name.cpp (accept/reject tables, positions)
//   ros2/rcl rcl/src/rcl/expand_topic_name.c, rcl/test/rcl/test_expand_topic_name.cpp
//   ros2/rcl rcl/src/rcl/remap.c, rcl/test/rcl/test_remap.cpp, rcl/test/rcl/test_arguments.cpp
//   ros2/rmw rmw/src/validate_node_name.c, validate_namespace.c, validate_full_topic_name.c
import { strict as assert } from 'node:assert';
import {
  NameError,
  applyTopicRemaps,
  expandTopicName,
  fullyQualifiedNodeName,
  normalizeNamespace,
  parseRemapRule,
  resolveNodeIdentity,
  validateFullyQualifiedName,
  validateNamespace,
  validateNodeName,
  validateTopicName,
} from '../../nodes/ros/names.js';
import type { RemapRule } from '../../nodes/ros/remap.js';

function rejects(fn: () => unknown, index: number | undefined, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NameError, `expected NameError, got ${String(err)}`);
    if (index !== undefined) assert.equal(err.index, index, err.message);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

describe('ros/names', () => {
  describe('validateNodeName', () => {
    for (const name of ['my_node', '_private', 'Node1', 'a', 'node_', 'a__b']) {
      it(`accepts '${name}'`, () => validateNodeName(name));
    }
    const bad: [string, number, RegExp][] = [
      ['', 0, /empty/],
      ['1node', 0, /start with a number/],
      ['my-node', 2, /'-' is not allowed/],
      ['my node', 2, /' ' is not allowed/],
      ['ns/node', 2, /'\/' is not allowed/],
      ['~', 0, /not allowed/],
      ['a'.repeat(256), 254, /longer than 255/],
    ];
    for (const [name, index, message] of bad) {
      it(`rejects '${name.slice(0, 20)}' at ${index}`, () => rejects(() => validateNodeName(name), index, message));
    }
  });

  describe('validateNamespace', () => {
    for (const ns of ['/', '/a', '/a/b', '/_x/y1']) it(`accepts '${ns}'`, () => validateNamespace(ns));
    const bad: [string, number, RegExp][] = [
      ['', 0, /empty/],
      ['a', 0, /absolute/],
      ['/a/', 2, /end with '\/'/],
      ['//a', 1, /repeated/],
      ['/a//b', 3, /repeated/],
      ['/1a', 1, /start with a number/],
      ['/a/2b', 3, /start with a number/],
      ['/a-b', 2, /'-' is not allowed/],
      ['/~', 1, /'~' is not allowed/],
    ];
    for (const [ns, index, message] of bad) {
      it(`rejects '${ns}' at ${index}`, () => rejects(() => validateNamespace(ns), index, message));
    }
    it('rejects namespaces longer than 245 characters', () => {
      validateNamespace(`/${'a'.repeat(244)}`);
      rejects(() => validateNamespace(`/${'a'.repeat(245)}`), 244, /longer than 245/);
    });
  });

  describe('validateFullyQualifiedName', () => {
    for (const name of ['/chatter', '/fr3/joint_states', '/_a/b_']) it(`accepts '${name}'`, () => validateFullyQualifiedName(name));
    const bad: [string, number][] = [
      ['', 0],
      ['chatter', 0],
      ['/', 0],
      ['/a/', 2],
      ['/a//b', 3],
      ['/a/1b', 3],
      ['/a b', 2],
      ['/~/a', 1],
      ['/{node}', 1],
    ];
    for (const [name, index] of bad) it(`rejects '${name}' at ${index}`, () => rejects(() => validateFullyQualifiedName(name), index));
    it('rejects names longer than 247 characters', () => {
      validateFullyQualifiedName(`/${'a'.repeat(246)}`);
      rejects(() => validateFullyQualifiedName(`/${'a'.repeat(247)}`), 246, /longer than 247/);
    });
  });

  describe('validateTopicName (input names)', () => {
    // The accepted list of rcl's test_validate_topic_name.cpp.
    const good = [
      'foo',
      'abc123',
      '_foo',
      'Foo',
      'BAR',
      '~',
      'foo/bar',
      '~/foo',
      '{foo}_bar',
      'foo/{ping}/bar',
      'foo/_bar',
      'foo_/bar',
      'foo_',
      '/foo',
      '/bar/baz',
      '/_private/thing',
      '/public_namespace/_private/thing',
      '{foo1}',
      '{foo_bar}',
      '{_bar}',
      '{node}',
      '{ns}/x',
    ];
    for (const name of good) it(`accepts '${name}'`, () => validateTopicName(name));
    // Rejections with rcl's positions; '//' is checked here too (rcl catches it after expansion).
    const bad: [string, number, RegExp][] = [
      ['123abc', 0, /start with a number/],
      ['123', 0, /start with a number/],
      [' ', 0, /' ' is not allowed/],
      ['foo bar', 3, /' ' is not allowed/],
      ['/~', 1, /'~' is only allowed as the first/],
      ['~foo', 1, /'~' must be followed by '\/'/],
      ['~a', 1, /'~' must be followed by '\/'/],
      ['foo~', 3, /'~'/],
      ['foo~/bar', 3, /'~'/],
      ['foo/~bar', 4, /'~'/],
      ['foo/~/bar', 4, /'~'/],
      ['foo/', 3, /end with '\/'/],
      ['', 0, /empty/],
      ['foo/123bar', 4, /start with a number/],
      ['foo/bar}/baz', 7, /unmatched '\}'/],
      ['foo/{bar', 4, /unmatched '\{'/],
      ['{$}', 1, /substitution/],
      ['{{bar}_baz}', 1, /nested/],
      ['foo/{bar/baz}', 8, /substitution name must not contain '\/'/],
      ['{1foo}', 1, /substitution name must not start with a number/],
      ['foo//bar', 4, /repeated/],
    ];
    for (const [name, index, message] of bad) {
      it(`rejects '${name}' at ${index}`, () => rejects(() => validateTopicName(name), index, message));
    }
  });

  describe('normalizeNamespace / fullyQualifiedNodeName', () => {
    const table: [string, string][] = [
      ['', '/'],
      ['/', '/'],
      ['a', '/a'],
      ['/a', '/a'],
      ['/a/', '/a'],
      ['a/b/', '/a/b'],
    ];
    for (const [input, expected] of table) it(`'${input}' → '${expected}'`, () => assert.equal(normalizeNamespace(input), expected));
    it('still validates', () => {
      rejects(() => normalizeNamespace('//'), undefined);
      rejects(() => normalizeNamespace('/a//'), undefined);
      rejects(() => normalizeNamespace('/a b'), 2);
    });
    it('joins namespace and node name', () => {
      assert.equal(fullyQualifiedNodeName('/', 'bridge'), '/bridge');
      assert.equal(fullyQualifiedNodeName('', 'bridge'), '/bridge');
      assert.equal(fullyQualifiedNodeName('/fr3', 'bridge'), '/fr3/bridge');
      assert.equal(fullyQualifiedNodeName('fr3/arm', 'bridge'), '/fr3/arm/bridge');
      rejects(() => fullyQualifiedNodeName('/fr3', 'bad-name'), 3);
    });
  });

  describe('expandTopicName', () => {
    // [input, namespace, expected] with node name 'my_node'.
    const table: [string, string, string][] = [
      ['chatter', '/', '/chatter'],
      ['chatter', '/a/b', '/a/b/chatter'],
      ['foo/bar', '/a/b', '/a/b/foo/bar'],
      ['/chatter', '/a/b', '/chatter'],
      ['/x/y', '/', '/x/y'],
      ['~', '/', '/my_node'],
      ['~', '/a/b', '/a/b/my_node'],
      ['~/cmd', '/', '/my_node/cmd'],
      ['~/cmd', '/a/b', '/a/b/my_node/cmd'],
      ['{node}', '/', '/my_node'],
      ['{node}/chatter', '/a/b', '/a/b/my_node/chatter'],
      ['{node}/{node}', '/a', '/a/my_node/my_node'],
      ['{ns}/chatter', '/a/b', '/a/b/chatter'],
      ['{namespace}/chatter', '/a/b', '/a/b/chatter'],
      ['/{node}/x', '/a/b', '/my_node/x'],
      ['~/{node}', '/a', '/a/my_node/my_node'],
      ['pre_{node}_post', '/a', '/a/pre_my_node_post'],
    ];
    for (const [input, ns, expected] of table) {
      it(`'${input}' in '${ns}' → '${expected}'`, () => assert.equal(expandTopicName(input, 'my_node', ns), expected));
    }
    it("rejects '{ns}/x' in the root namespace ('//x'), as rcl does", () => {
      rejects(() => expandTopicName('{ns}/x', 'my_node', '/'), 1, /expands to an invalid name.*'\/\/x'/);
    });
    it('rejects unknown substitutions', () => {
      rejects(() => expandTopicName('{foo}_bar', 'n', '/'), 0, /unknown substitution '\{foo\}'/);
      rejects(() => expandTopicName('a/{}', 'n', '/'), 2, /unknown substitution '\{\}'/);
    });
    it('rejects invalid inputs, node names and namespaces', () => {
      rejects(() => expandTopicName('white space', 'n', '/'), 5);
      rejects(() => expandTopicName('x', '/invalid_node', '/'), 0);
      rejects(() => expandTopicName('x', 'n', '/white space'), 6);
    });
    it('rejects results that are too long', () => {
      rejects(() => expandTopicName('a'.repeat(240), 'n', '/long_ns'), undefined, /longer than 247/);
    });
  });

  describe('parseRemapRule', () => {
    const good: [string, RemapRule][] = [
      ['foo:=bar', { from: 'foo', to: 'bar' }],
      ['/foo/bar:=/baz', { from: '/foo/bar', to: '/baz' }],
      ['~/cmd:=/robot/cmd', { from: '~/cmd', to: '/robot/cmd' }],
      ['cmd:=~/cmd', { from: 'cmd', to: '~/cmd' }],
      ['my_node:foo:=bar', { nodeName: 'my_node', from: 'foo', to: 'bar' }],
      ['__node:=new_name', { from: '__node', to: 'new_name' }],
      ['__name:=new_name', { from: '__name', to: 'new_name' }],
      ['old:__node:=new_name', { nodeName: 'old', from: '__node', to: 'new_name' }],
      ['__ns:=/fr3', { from: '__ns', to: '/fr3' }],
      ['__ns:=/', { from: '__ns', to: '/' }],
      ['__ns:=/a/b/', { from: '__ns', to: '/a/b/' }],
      ['Node1:__ns:=/foo/bar', { nodeName: 'Node1', from: '__ns', to: '/foo/bar' }],
      ['rostopic:=x', { from: 'rostopic', to: 'x' }],
      ['a_:=_b', { from: 'a_', to: '_b' }],
    ];
    for (const [text, rule] of good) it(`parses '${text}'`, () => assert.deepEqual(parseRemapRule(text), rule));

    // Invalid rules of rcl's test_arguments.cpp, plus the unsupported forms.
    const bad: [string, RegExp][] = [
      [':', /missing ':='/],
      ['1', /missing ':='/],
      ['~', /missing ':='/],
      [':=', /not a valid node name prefix|empty/],
      ['foo:=', /'to' side is empty/],
      [':=bar', /'from' side is empty/],
      ['::=', /not a valid node name prefix/],
      ['1:=', /'1' is not a valid name|empty/],
      ['~:=', /'~' is not a valid name|empty/],
      ['__node:=', /'' is not a valid node name/],
      ['__node:=/foo/bar', /not a valid node name/],
      ['__ns:=', /must be absolute/],
      ['__ns:=foo', /must be absolute/],
      ['__ns:=//', /not a valid namespace/],
      [':__node:=nodename', /node name prefix/],
      ['~:__node:=nodename', /node name prefix/],
      ['}foo:=/bar', /not a valid name/],
      ['f oo:=/bar', /not a valid name/],
      ['foo:=/b ar', /not a valid name/],
      ['f{oo:=/bar', /not a valid name/],
      ['foo:=/b}ar', /not a valid name/],
      ['{node}/x:=y', /not a valid name/],
      ['foo/:=bar', /not a valid name/],
      ['a__b:=c', /not a valid name/],
      ['__foo:=bar', /only __node, __name and __ns/],
      ['/foo/*:=/bar', /wildcards are not supported/],
      ['foo:=\\1', /backreferences are not supported/],
      ['rostopic://foo:=bar', /rostopic:\/\/ and rosservice:\/\/ prefixes are not supported/],
      ['rosservice://foo:=bar', /not supported/],
    ];
    for (const [text, message] of bad) {
      it(`rejects '${text}'`, () => rejects(() => parseRemapRule(text), undefined, message));
    }
  });

  describe('applyTopicRemaps', () => {
    it('matches relative rules after expanding them for the node (rcl test_remap relative_topic_name_remap)', () => {
      assert.equal(applyTopicRemaps('/ns/foo', [parseRemapRule('foo:=bar')], 'NodeName', '/ns'), '/ns/bar');
    });
    it('expands private names on both sides', () => {
      const rules = [parseRemapRule('~/cmd:=~/command'), parseRemapRule('~/state:=/global_state')];
      assert.equal(applyTopicRemaps('/fr3/bridge/cmd', rules, 'bridge', '/fr3'), '/fr3/bridge/command');
      assert.equal(applyTopicRemaps('/fr3/bridge/state', rules, 'bridge', '/fr3'), '/global_state');
      assert.equal(applyTopicRemaps('/fr3/other/cmd', rules, 'other', '/fr3'), '/fr3/other/command');
    });
    it('compares fully qualified names, not spellings', () => {
      // 'foo' in '/ns' is '/ns/foo'; it does not match '/foo'.
      assert.equal(applyTopicRemaps('/foo', [parseRemapRule('foo:=bar')], 'n', '/ns'), '/foo');
      assert.equal(applyTopicRemaps('/ns/foo', [parseRemapRule('/ns/foo:=bar')], 'n', '/ns'), '/ns/bar');
    });
    it('applies node-prefixed rules only to that node (rcl test_remap nodename_prefix_topic_remap)', () => {
      const rules = ['Node1:/foo:=/foo/bar', 'Node2:/foo:=/this_one', 'Node3:/foo:=/bar/foo'].map(parseRemapRule);
      assert.equal(applyTopicRemaps('/foo', rules, 'Node1', '/'), '/foo/bar');
      assert.equal(applyTopicRemaps('/foo', rules, 'Node2', '/'), '/this_one');
      assert.equal(applyTopicRemaps('/foo', rules, 'Node3', '/'), '/bar/foo');
      assert.equal(applyTopicRemaps('/foo', rules, 'Node4', '/'), '/foo');
    });
    it('first matching rule wins; node-specific rules have no extra precedence (ros2/design#289 example)', () => {
      const rules = ['my_topic:=first', 'my_topic:=second', 'my_node:another_topic:=first', 'another_topic:=second'].map(parseRemapRule);
      assert.equal(applyTopicRemaps('/my_topic', rules, 'my_node', '/'), '/first');
      assert.equal(applyTopicRemaps('/another_topic', rules, 'my_node', '/'), '/first');
      assert.equal(applyTopicRemaps('/another_topic', rules, 'other_node', '/'), '/second');
      const globalFirst = ['another_topic:=second', 'my_node:another_topic:=first'].map(parseRemapRule);
      assert.equal(applyTopicRemaps('/another_topic', globalFirst, 'my_node', '/'), '/second');
    });
    it('ignores __node/__ns rules and rules whose from side cannot be expanded', () => {
      const rules: RemapRule[] = [
        { from: '__node', to: 'x' },
        { from: '__ns', to: '/x' },
        { from: '{unknown}', to: 'never' },
        { from: 'foo', to: 'bar' },
      ];
      assert.equal(applyTopicRemaps('/foo', rules, 'n', '/'), '/bar');
    });
    it('a rule in the first position shadows later ones even when they are more specific', () => {
      const rules = [parseRemapRule('/a:=/b'), parseRemapRule('n:/a:=/c')];
      assert.equal(applyTopicRemaps('/a', rules, 'n', '/'), '/b');
    });
    it('does not chain rules', () => {
      const rules = [parseRemapRule('/a:=/b'), parseRemapRule('/b:=/c')];
      assert.equal(applyTopicRemaps('/a', rules, 'n', '/'), '/b');
    });
    it('rejects a replacement that cannot be expanded', () => {
      rejects(() => applyTopicRemaps('/a', [{ from: '/a', to: '{ns}/b' }], 'n', '/'), undefined, /'\/\/b'/);
    });
  });

  describe('resolveNodeIdentity', () => {
    it('keeps defaults without rules, normalizing the namespace', () => {
      assert.deepEqual(resolveNodeIdentity('bridge', '', []), { name: 'bridge', namespace: '/' });
      assert.deepEqual(resolveNodeIdentity('bridge', 'fr3', []), { name: 'bridge', namespace: '/fr3' });
    });
    it('applies __node and __ns (rcl test_remap global replacements)', () => {
      const rules = ['__node:=globalname', '__ns:=/foo/bar'].map(parseRemapRule);
      assert.deepEqual(resolveNodeIdentity('NodeName', '/', rules), { name: 'globalname', namespace: '/foo/bar' });
    });
    it('__name is the same as __node', () => {
      assert.deepEqual(resolveNodeIdentity('a', '/', [parseRemapRule('__name:=b')]), { name: 'b', namespace: '/' });
    });
    it('uses the first applicable rule (rcl test_remap use_first_nodename_rule)', () => {
      const rules = ['__node:=firstname', '__node:=secondname'].map(parseRemapRule);
      assert.equal(resolveNodeIdentity('NodeName', '/', rules).name, 'firstname');
    });
    it('skips rules for other nodes, in order (rcl test_remap nodename_prefix_namespace_remap)', () => {
      const rules = ['Node1:__ns:=/foo/bar', 'Node2:__ns:=/this_one', 'Node3:__ns:=/bar/foo'].map(parseRemapRule);
      assert.equal(resolveNodeIdentity('Node1', '/', rules).namespace, '/foo/bar');
      assert.equal(resolveNodeIdentity('Node2', '/', rules).namespace, '/this_one');
      assert.equal(resolveNodeIdentity('Node3', '/', rules).namespace, '/bar/foo');
      assert.equal(resolveNodeIdentity('Node4', '/x', rules).namespace, '/x');
    });
    it('node-specific rules do not outrank an earlier global rule', () => {
      const rules = ['__node:=global_name', 'bridge:__node:=specific_name'].map(parseRemapRule);
      assert.equal(resolveNodeIdentity('bridge', '/', rules).name, 'global_name');
      assert.equal(resolveNodeIdentity('bridge', '/', [...rules].reverse()).name, 'specific_name');
    });
    it('matches the namespace rule against the remapped node name (rcl node.c order)', () => {
      const rules = ['old:__node:=new', 'old:__ns:=/for_old', 'new:__ns:=/for_new'].map(parseRemapRule);
      assert.deepEqual(resolveNodeIdentity('old', '/', rules), { name: 'new', namespace: '/for_new' });
    });
    it('drops a trailing / of a namespace rule', () => {
      assert.equal(resolveNodeIdentity('n', '/', [parseRemapRule('__ns:=/a/b/')]).namespace, '/a/b');
    });
    it('rejects an invalid remapped name', () => {
      rejects(() => resolveNodeIdentity('n', '/', [{ from: '__node', to: '9lives' }]), 0);
    });
  });
});
