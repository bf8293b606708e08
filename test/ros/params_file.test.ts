// Params files: structure, typing, wildcards, precedence. Expected behaviour from:
//   ros2/rcl    rcl_yaml_param_parser/src/parse.c, namespace.c (structure, typing, node key joining)
//   ros2/rclcpp rclcpp/src/rclcpp/parameter_map.cpp (wildcards, leading '/', empty arrays)
//   ros2/rclcpp rclcpp/src/rclcpp/detail/resolve_parameter_overrides.cpp (later entries win)
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParameterOverride } from '../../nodes/ros/parameter.js';
import {
  ParamsFileError,
  collectOverrides,
  loadParamsFile,
  nodeMatchesPattern,
  parseParamsYaml,
  sectionsFromRosArgs,
} from '../../nodes/ros/params_file.js';
import type { ParamsFileSection } from '../../nodes/ros/params_file.js';
import { parseRosArgs } from '../../nodes/ros/ros_args.js';

const FILE = 'config/test.yaml';

function yaml(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function rejects(text: string, expected: { line?: number; keyPath?: string[]; message: RegExp }): void {
  assert.throws(
    () => parseParamsYaml(text, FILE),
    (err: unknown) => {
      assert.ok(err instanceof ParamsFileError, `expected ParamsFileError, got ${String(err)}`);
      assert.equal(err.file, FILE);
      assert.ok(err.message.startsWith(FILE), err.message);
      if (expected.line !== undefined) {
        assert.equal(err.line, expected.line, err.message);
        assert.ok(err.message.startsWith(`${FILE}:${expected.line}:`), err.message);
      }
      if (expected.keyPath !== undefined) assert.deepEqual(err.keyPath, expected.keyPath);
      assert.match(err.message, expected.message);
      return true;
    },
  );
}

function values(section: ParamsFileSection): Record<string, unknown> {
  return Object.fromEntries(section.params.map((p) => [p.name, [p.type, p.value]]));
}

function section(nodePattern: string, params: Record<string, number | string>): ParamsFileSection {
  return {
    nodePattern,
    params: Object.entries(params).map(([name, value]): ParameterOverride => ({
      name,
      type: typeof value === 'number' ? 'integer' : 'string',
      value,
      source: nodePattern,
    })),
  };
}

describe('ros/params_file', () => {
  describe('parseParamsYaml structure', () => {
    it('reads one node with typed values, flattening nested mappings', () => {
      const sections = parseParamsYaml(
        yaml([
          '/fast_pathway:',
          '  ros__parameters:',
          '    rate_hz: 30',
          '    gain: 1.0',
          '    model: "1"',
          '    enabled: yes',
          '    mask: 0x10',
          '    gains:',
          '      kp: [1.0, 2.0]',
          '      limits: {max: 2, names: [a, b]}',
        ]),
        FILE,
      );
      assert.equal(sections.length, 1);
      assert.equal(sections[0].nodePattern, '/fast_pathway');
      assert.deepEqual(values(sections[0]), {
        rate_hz: ['integer', 30],
        gain: ['double', 1],
        model: ['string', '1'],
        enabled: ['bool', true],
        mask: ['integer', 16],
        'gains.kp': ['double_array', [1, 2]],
        'gains.limits.max': ['integer', 2],
        'gains.limits.names': ['string_array', ['a', 'b']],
      });
      assert.ok(sections[0].params.every((p) => p.source === FILE));
    });
    it('joins nested node keys with /', () => {
      const sections = parseParamsYaml(
        yaml([
          'fr3:',
          '  controller_bridge:',
          '    ros__parameters: {a: 1}',
          '/fr3/:',
          '  arm:',
          '    ros__parameters: {b: 2}',
          '/**:',
          '  camera:',
          '    ros__parameters: {c: 3}',
          '/robot:',
          '  ros__parameters: {d: 4}',
          '  gripper:',
          '    ros__parameters: {e: 5}',
        ]),
        FILE,
      );
      assert.deepEqual(
        sections.map((s) => s.nodePattern),
        ['fr3/controller_bridge', '/fr3/arm', '/**/camera', '/robot', '/robot/gripper'],
      );
    });
    it('accepts wildcard keys and an empty ros__parameters', () => {
      const sections = parseParamsYaml(
        yaml(['/**:', '  ros__parameters: {use_sim_time: false}', '/*:', '  ros__parameters: {}', '/fr3/*:', '  ros__parameters: {x: 1}']),
        FILE,
      );
      assert.deepEqual(
        sections.map((s) => [s.nodePattern, s.params.length]),
        [
          ['/**', 1],
          ['/*', 0],
          ['/fr3/*', 1],
        ],
      );
    });
    it('lets a repeated key win, as libyaml + rcl do', () => {
      const [only] = parseParamsYaml(yaml(['/n:', '  ros__parameters:', '    x: 1', '    x: 2']), FILE);
      assert.deepEqual(
        only.params.map((p) => p.value),
        [1, 2],
      );
      assert.equal(collectOverrides([only], '/n').overrides.get('x')!.value, 2);
    });
    it('reads every document of a multi-document file; an empty file has no sections', () => {
      const sections = parseParamsYaml(yaml(['/a:', '  ros__parameters: {x: 1}', '---', '/b:', '  ros__parameters: {x: 2}']), FILE);
      assert.deepEqual(
        sections.map((s) => s.nodePattern),
        ['/a', '/b'],
      );
      assert.deepEqual(parseParamsYaml('', FILE), []);
      assert.deepEqual(parseParamsYaml('# only a comment\n', FILE), []);
    });
  });

  describe('parseParamsYaml errors name file, key path and line', () => {
    it('mixed arrays', () => {
      rejects(yaml(['/n:', '  ros__parameters:', '    gains:', '      kp: [1.0, 2]']), {
        line: 4,
        keyPath: ['/n', 'ros__parameters', 'gains', 'kp'],
        message: /node '\/n', parameter 'gains\.kp': arrays must hold one type: element 1 is integer but the first is double/,
      });
      rejects(yaml(['/n:', '  ros__parameters:', '    names:', '      - a', '      - true']), {
        line: 5,
        message: /parameter 'names': arrays must hold one type/,
      });
    });
    it('empty arrays (rclcpp: "No parameter value set")', () => {
      rejects(yaml(['/n:', '  ros__parameters:', '    joints: []']), {
        line: 3,
        message: /parameter 'joints': empty arrays cannot be typed/,
      });
    });
    it('empty and null values', () => {
      rejects(yaml(['/n:', '  ros__parameters:', '    a: 1', '    model:']), { line: 4, message: /parameter 'model': no value given/ });
      rejects(yaml(['/n:', '  ros__parameters:', '    model: null']), { line: 3, message: /'null' is YAML null/ });
      rejects(yaml(['/n:', '  ros__parameters:', '    model: ~']), { line: 3, message: /YAML null/ });
      rejects(yaml(['/n:', '  ros__parameters:', '    nested: {}']), {
        line: 3,
        message: /parameter 'nested': an empty mapping has no value/,
      });
    });
    it('nested arrays and mappings inside arrays', () => {
      rejects(yaml(['/n:', '  ros__parameters:', '    m: [[1, 2], [3]]']), { line: 3, message: /nested arrays and mappings/ });
      rejects(yaml(['/n:', '  ros__parameters:', '    m: [{a: 1}]']), { line: 3, message: /nested arrays and mappings/ });
    });
    it('missing ros__parameters', () => {
      rejects(yaml(['/n:', '  rate_hz: 30']), {
        line: 2,
        keyPath: ['/n', 'rate_hz'],
        message: /'rate_hz' is not under 'ros__parameters'/,
      });
      rejects(yaml(['rate_hz: 30']), { line: 1, message: /top-level keys are node names and must hold 'ros__parameters'/ });
      rejects(yaml(['/n: {}']), { line: 1, message: /node '\/n' has no 'ros__parameters'/ });
      rejects(yaml(['ros__parameters: {a: 1}']), { line: 1, message: /'ros__parameters' must be under a node name/ });
      rejects(yaml(['/n:', '  ros__parameters:']), { line: 2, message: /'ros__parameters' must be a mapping/ });
      rejects(yaml(['/n:', '  ros__parameters: [1]']), { line: 2, message: /'ros__parameters' must be a mapping/ });
    });
    it('invalid node keys', () => {
      rejects(yaml(['/ns/bad-node:', '  ros__parameters: {a: 1}']), { line: 2, message: /invalid node name '\/ns\/bad-node'/ });
      rejects(yaml(['/1ns/node:', '  ros__parameters: {a: 1}']), { message: /invalid node name '\/1ns\/node'.*number/ });
      rejects(yaml(['//node:', '  ros__parameters: {a: 1}']), { message: /repeated '\/'/ });
      rejects(yaml(['/ns/:', '  ros__parameters: {a: 1}']), { message: /invalid node name '\/ns\/'.*empty/ });
    });
    it('aliases, syntax errors and non-mapping documents', () => {
      rejects(yaml(['/a:', '  ros__parameters: &p {x: 1}', '/b:', '  ros__parameters: *p']), { line: 4, message: /aliases/ });
      rejects(yaml(['/n:', '  ros__parameters:', '    a: &x 1', '    b: *x']), { line: 4, message: /aliases/ });
      rejects(yaml(['/n:', '  ros__parameters:', '    a: [1, 2']), { message: /not valid YAML/ });
      rejects(yaml(['- /n']), { line: 1, message: /the top level must be a mapping/ });
    });
  });

  describe('loadParamsFile', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'vla-ros-params-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a file and uses its path as the source', () => {
      const path = join(dir, 'ok.yaml');
      writeFileSync(path, yaml(['/n:', '  ros__parameters: {rate_hz: 30.0}']));
      const [only] = loadParamsFile(path);
      assert.deepEqual(only.params, [{ name: 'rate_hz', type: 'double', value: 30, source: path }]);
    });
    it('names the path of a missing or unreadable file', () => {
      const missing = join(dir, 'missing.yaml');
      assert.throws(
        () => loadParamsFile(missing),
        (err: unknown) => {
          assert.ok(err instanceof ParamsFileError);
          assert.equal(err.file, missing);
          assert.match(err.message, new RegExp(`cannot read params file '${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'.*ENOENT`));
          return true;
        },
      );
      assert.throws(() => loadParamsFile(dir), /cannot read params file .*EISDIR/);
    });
    it('reports errors with the path and line', () => {
      const path = join(dir, 'bad.yaml');
      writeFileSync(path, yaml(['/n:', '  ros__parameters:', '    a: []']));
      assert.throws(
        () => loadParamsFile(path),
        (err: unknown) => err instanceof ParamsFileError && err.message.startsWith(`${path}:3:`),
      );
    });
  });

  describe('nodeMatchesPattern (rclcpp parameter_map.cpp)', () => {
    const table: [string, string, boolean][] = [
      ['/**', '/a', true],
      ['/**', '/a/b/c', true],
      ['/*', '/a', true],
      ['/*', '/ns/a', false],
      ['/**/bridge', '/bridge', true],
      ['/**/bridge', '/fr3/bridge', true],
      ['/**/bridge', '/fr3/arm/bridge', true],
      ['/**/bridge', '/fr3/other', false],
      ['/**/bridge', '/fr3/bridge2', false],
      ['/*/bridge', '/fr3/bridge', true],
      ['/*/bridge', '/bridge', false],
      ['/*/bridge', '/a/b/bridge', false],
      ['/fr3/*', '/fr3/x', true],
      ['/fr3/*', '/fr3/a/x', false],
      ['/fr3/**', '/fr3/a/x', true],
      ['/fr3/**', '/fr3', true],
      ['/fr3/bridge', '/fr3/bridge', true],
      ['/fr3/bridge', '/fr3/bridge2', false],
      // A key without a leading '/' is made absolute: it does not match in other namespaces.
      ['controller_bridge', '/controller_bridge', true],
      ['controller_bridge', '/fr3/controller_bridge', false],
      ['fr3/controller_bridge', '/fr3/controller_bridge', true],
      ['**', '/x/y', true],
      ['*', '/x', true],
    ];
    for (const [pattern, fqn, expected] of table) {
      it(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${fqn}'`, () =>
        assert.equal(nodeMatchesPattern(pattern, fqn), expected));
    }
  });

  describe('collectOverrides', () => {
    it('keeps only matching sections; later ones win', () => {
      const { overrides } = collectOverrides([section('/**', { a: 1, b: 1 }), section('/other', { a: 9 }), section('/**', { b: 2 })], '/n');
      assert.deepEqual(
        [...overrides].map(([k, v]) => [k, v.value]),
        [
          ['a', 1],
          ['b', 2],
        ],
      );
    });
    it('orders node keys by first appearance, as rcl merges them', () => {
      const wildcardFirst = [section('/**', { x: 1 }), section('/n', { x: 2 }), section('/**', { x: 3 })];
      assert.equal(collectOverrides(wildcardFirst, '/n').overrides.get('x')!.value, 2);
      const specificFirst = [section('/n', { x: 2 }), section('/**', { x: 3 })];
      assert.equal(collectOverrides(specificFirst, '/n').overrides.get('x')!.value, 3);
    });
    it('treats differently written keys as different entries', () => {
      const sections = [section('n', { x: 1 }), section('/n', { x: 2 }), section('n', { x: 3 })];
      assert.equal(collectOverrides(sections, '/n').overrides.get('x')!.value, 2);
    });
    it('marks names from sections that name the node', () => {
      const sections = [
        section('/**', { shared: 1 }),
        section('/*', { root_only: 1 }),
        section('/fr3/*', { in_fr3: 1 }),
        section('/**/bridge', { by_name: 1 }),
        section('/fr3/bridge', { exact: 1, shared: 2 }),
        section('bridge', { root_bridge: 1 }),
      ];
      const { overrides, nodeSpecific } = collectOverrides(sections, '/fr3/bridge');
      assert.deepEqual([...overrides.keys()].sort(), ['by_name', 'exact', 'in_fr3', 'shared']);
      assert.deepEqual([...nodeSpecific].sort(), ['by_name', 'exact', 'shared']);
      assert.equal(overrides.get('shared')!.value, 2);
      assert.deepEqual([...collectOverrides(sections, '/bridge').nodeSpecific].sort(), ['by_name', 'root_bridge']);
    });
  });

  describe('sectionsFromRosArgs', () => {
    const files: Record<string, string> = {
      'base.yaml': yaml(['/**:', '  ros__parameters: {rate_hz: 10.0, mode: sim}', '/fr3/bridge:', '  ros__parameters: {rate_hz: 50.0}']),
    };
    const load = (path: string): ParamsFileSection[] => parseParamsYaml(files[path], path);

    it('puts -p rules under /** or their node prefix, in command-line order', () => {
      const args = parseRosArgs(['--ros-args', '-p', 'mode:=real', '--params-file', 'base.yaml', '-p', 'bridge:ip:=10.0.0.2']);
      const sections = sectionsFromRosArgs(args, load);
      assert.deepEqual(
        sections.map((s) => s.nodePattern),
        ['/**', '/**', '/fr3/bridge', 'bridge'],
      );
      // '/**' first appeared with the -p rule; the file's '/**' updates that entry in place.
      const { overrides } = collectOverrides(sections, '/fr3/bridge');
      assert.equal(overrides.get('mode')!.value, 'sim');
      assert.equal(overrides.get('mode')!.source, 'base.yaml');
      assert.equal(overrides.get('rate_hz')!.value, 50);
      assert.equal(overrides.has('ip'), false, "'bridge:' only names the root-namespace node '/bridge'");
    });
    it('a -p rule after a file overrides its wildcard section but not a node section that came first', () => {
      const sections = sectionsFromRosArgs(
        parseRosArgs(['--ros-args', '--params-file', 'base.yaml', '-p', 'rate_hz:=99.0', '-p', 'mode:=real']),
        load,
      );
      const { overrides } = collectOverrides(sections, '/fr3/bridge');
      assert.equal(overrides.get('mode')!.value, 'real');
      assert.equal(overrides.get('mode')!.source, '-p');
      assert.equal(overrides.get('rate_hz')!.value, 50); // '/fr3/bridge' entry comes after '/**'
      assert.equal(collectOverrides(sections, '/other').overrides.get('rate_hz')!.value, 99);
    });
  });
});
