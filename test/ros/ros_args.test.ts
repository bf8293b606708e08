// --ros-args parsing and formatting. Expected behaviour from:
//   ros2/rcl rcl/src/rcl/arguments.c (flag loop, -p rules, log levels)
//   ros2/rcl rcl/test/rcl/test_arguments.cpp (valid / invalid tables)
//   ros2/rcl rcl_yaml_param_parser/src/parse.c get_value (typing of -p values)
import { strict as assert } from 'node:assert';
import type { ParameterType, ParameterValue } from '../../nodes/ros/parameter.js';
import { RosArgsError, formatParamValue, formatRosArgs, parseParamRule, parseRosArgs } from '../../nodes/ros/ros_args.js';
import type { RosArgs } from '../../nodes/ros/ros_args.js';

function rejects(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseRosArgs(argv),
    (err: unknown) => {
      assert.ok(err instanceof RosArgsError, `expected RosArgsError, got ${String(err)}`);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'), 'one-line message');
      return true;
    },
  );
}

function typed(valueText: string): { type: ParameterType; value: ParameterValue } {
  const { type, value } = parseParamRule(`x:=${valueText}`);
  return { type, value };
}

describe('ros/ros_args', () => {
  describe('sections', () => {
    it('returns everything as user args without --ros-args', () => {
      const args = parseRosArgs(['launch', 'robot:=fr3', '-p', '--']);
      assert.deepEqual(args.userArgs, ['launch', 'robot:=fr3', '-p', '--']);
      assert.deepEqual(args.params, []);
      assert.deepEqual(args.remaps, []);
    });
    it('ends a section at a bare -- and allows several sections', () => {
      const args = parseRosArgs([
        'a',
        '--ros-args',
        '-r',
        'x:=y',
        '--',
        'b',
        '--',
        'c',
        '--ros-args',
        '-p',
        'k:=1',
        '--ros-args',
        '--log-level',
        'debug',
      ]);
      assert.deepEqual(args.userArgs, ['a', 'b', '--', 'c']);
      assert.deepEqual(args.remaps, [{ from: 'x', to: 'y' }]);
      assert.deepEqual(args.params, [{ name: 'k', type: 'integer', value: 1, source: '-p' }]);
      assert.deepEqual(args.logLevels, [{ level: 'debug' }]);
    });
    it('treats an empty --ros-args section as nothing', () => {
      assert.deepEqual(parseRosArgs(['--ros-args']).userArgs, []);
      assert.deepEqual(parseRosArgs(['--ros-args', '--']).userArgs, []);
    });
  });

  describe('flags', () => {
    it('reads every known flag', () => {
      const args = parseRosArgs([
        '--ros-args',
        '-p',
        'rate_hz:=30.0',
        '--param',
        'bridge:robot_ip:=10.0.0.2',
        '--params-file',
        'config/a.yaml',
        '-r',
        '__ns:=/fr3',
        '--remap',
        'bridge:cmd:=/arm/cmd',
        '--log-level',
        'WARN',
        '--log-level',
        'bridge.io:=debug',
        '-e',
        '/fr3/bridge',
        '--log-file-name',
        'prefix',
        '--log-config-file',
        'log.config',
        '--disable-rosout-logs',
        '--enable-stdout-logs',
        '--disable-external-lib-logs',
      ]);
      assert.deepEqual(args.params, [
        { name: 'rate_hz', type: 'double', value: 30, source: '-p' },
        { name: 'robot_ip', type: 'string', value: '10.0.0.2', source: '--param', nodeName: 'bridge' },
      ]);
      assert.deepEqual(args.paramsFiles, ['config/a.yaml']);
      assert.deepEqual(
        args.overrideSources.map((s) => s.kind),
        ['param', 'param', 'file'],
      );
      assert.deepEqual(args.remaps, [
        { from: '__ns', to: '/fr3' },
        { nodeName: 'bridge', from: 'cmd', to: '/arm/cmd' },
      ]);
      assert.deepEqual(args.logLevels, [{ level: 'warn' }, { logger: 'bridge.io', level: 'debug' }]);
      assert.equal(args.enclave, '/fr3/bridge');
      assert.equal(args.logFileName, 'prefix');
      assert.equal(args.logConfigFile, 'log.config');
      assert.deepEqual(args.logOutputs, { rosout: false, stdout: true, externalLib: false });
    });
    it('keeps -p and --params-file in command-line order', () => {
      const args = parseRosArgs(['--ros-args', '--params-file', 'a.yaml', '-p', 'x:=1', '--params-file', 'b.yaml']);
      assert.deepEqual(
        args.overrideSources.map((s) => (s.kind === 'file' ? s.path : s.param.name)),
        ['a.yaml', 'x', 'b.yaml'],
      );
    });
    it('the last enclave wins', () => {
      assert.equal(parseRosArgs(['--ros-args', '-e', '/a', '--enclave', '/b']).enclave, '/b');
    });
  });

  describe('-p value typing (rcl get_value)', () => {
    const table: [string, ParameterType, ParameterValue][] = [
      ['1', 'integer', 1],
      ['-7', 'integer', -7],
      ['+5', 'integer', 5],
      ['0x1F', 'integer', 31],
      ['010', 'integer', 8], // strtoll base 0: octal
      ['08', 'double', 8], // not octal, but strtod takes it
      ['1.0', 'double', 1],
      ['1.', 'double', 1],
      ['.5', 'double', 0.5],
      ['1e3', 'double', 1000],
      ['-2.5E-1', 'double', -0.25],
      ['.inf', 'double', Infinity],
      ['-.inf', 'double', -Infinity],
      ['inf', 'double', Infinity],
      ['1e400', 'string', '1e400'], // strtod overflow (ERANGE) keeps the text
      ['9223372036854775808', 'double', 9223372036854775808], // past int64: strtoll fails, strtod takes it
      ['true', 'bool', true],
      ['True', 'bool', true],
      ['yes', 'bool', true],
      ['on', 'bool', true],
      ['y', 'bool', true],
      ['false', 'bool', false],
      ['off', 'bool', false],
      ['No', 'bool', false],
      ['tRUE', 'string', 'tRUE'],
      ['hello', 'string', 'hello'],
      ['a b', 'string', 'a b'],
      ["'a b'", 'string', 'a b'],
      ["'1'", 'string', '1'],
      ['"true"', 'string', 'true'],
      ["''", 'string', ''],
      ['!!str 5', 'string', '5'],
      ['1_000', 'string', '1_000'],
      ['0x', 'string', '0x'],
      ['a:=b', 'string', 'a:=b'],
      ['10.0.0.2', 'string', '10.0.0.2'],
      ['[1, 2]', 'integer_array', [1, 2]],
      ['[1.0, 2.5]', 'double_array', [1, 2.5]],
      ['[true, no]', 'bool_array', [true, false]],
      ['[a, "b c", \'1\']', 'string_array', ['a', 'b c', '1']],
      ['- a', 'string_array', ['a']],
    ];
    for (const [text, type, value] of table) {
      it(`x:=${text} → ${type} ${JSON.stringify(value)}`, () => assert.deepEqual(typed(text), { type, value }));
    }
    it('.nan is a double NaN', () => {
      const { type, value } = typed('.nan');
      assert.equal(type, 'double');
      assert.ok(Number.isNaN(value));
    });
  });

  describe('errors', () => {
    const missing: [string, RegExp][] = [
      ['-p', /'-p' needs a value; usage: -p \[node:\]name:=value/],
      ['--param', /'--param' needs a value/],
      ['-r', /'-r' needs a value; usage: -r \[node:\]from:=to/],
      ['--remap', /'--remap' needs a value/],
      ['--params-file', /'--params-file' needs a value; usage: --params-file path/],
      ['--log-level', /'--log-level' needs a value; usage: --log-level \[logger:=\]debug/],
      ['-e', /'-e' needs a value/],
      ['--enclave', /'--enclave' needs a value/],
      ['--log-file-name', /'--log-file-name' needs a value/],
      ['--log-config-file', /'--log-config-file' needs a value/],
    ];
    for (const [flag, message] of missing) {
      it(`${flag} without a value`, () => {
        rejects(['--ros-args', flag], message);
        rejects(['--ros-args', flag, '--', 'user'], message);
      });
    }
    // The invalid -p rules of rcl's test_arguments.cpp, and more.
    const badParams: [string, RegExp][] = [
      [':=', /parameter name is empty/],
      ['foo:=', /no value given/],
      [':=bar', /parameter name is empty/],
      [':', /missing ':='/],
      ['1', /missing ':='/],
      ['~', /missing ':='/],
      ['::=', /node name prefix/],
      ['1:=', /'1' is not a valid parameter name/],
      ['~:=', /'~' is not a valid parameter name/],
      ['__node:=', /not a valid parameter name/],
      ['__node:=/foo/bar', /not a valid parameter name/],
      ['__ns:=foo', /not a valid parameter name/],
      [':__node:=nodename', /node name prefix/],
      ['~:__node:=nodename', /node name prefix/],
      ['}foo:=/bar', /not a valid parameter name/],
      ['f oo:=/bar', /not a valid parameter name/],
      ['a.:=1', /not a valid parameter name/],
      ['a..b:=1', /not a valid parameter name/],
      ['a.1b:=1', /not a valid parameter name/],
      ['x:=[1, 2.0]', /arrays must hold one type.*decimal point/],
      ['x:=[1, a]', /arrays must hold one type/],
      ['x:=[]', /empty arrays cannot be typed/],
      ['x:=[[1], [2]]', /nested arrays/],
      ['x:={a: 1}', /a mapping is not a parameter value/],
      ['x:=a: 1', /a mapping is not a parameter value/],
      ['x:=null', /YAML null/],
      ['x:=~', /YAML null/],
      ['x:=[1, 2', /not valid YAML/],
      ['x:=9007199254740993', /outside the range/],
    ];
    for (const [rule, message] of badParams) {
      it(`-p ${rule}`, () =>
        rejects(['--ros-args', '-p', rule], new RegExp(`invalid ROS argument '-p [^']*'.*${message.source}.*usage: -p`)));
    }
    const badRemaps = ['foo:=', ':=bar', 'f oo:=/bar', '__ns:=foo', '__node:=/a', 'a:b:c:=d'];
    for (const rule of badRemaps) {
      it(`-r ${rule}`, () => rejects(['--ros-args', '-r', rule], /invalid ROS argument '-r [^']*':.*usage: -r \[node:\]from:=to/));
    }
    it('--log-level with an unknown level or logger', () => {
      rejects(['--ros-args', '--log-level', 'foo'], /invalid ROS argument '--log-level foo': unknown log level 'foo'/);
      rejects(['--ros-args', '--log-level', 'a:=verbose'], /unknown log level 'verbose'/);
      rejects(['--ros-args', '--log-level', ':=debug'], /'' is not a logger name/);
      rejects(['--ros-args', '--log-level', 'unset'], /'unset' is not supported/);
    });
    it('--enclave must be an absolute name', () => {
      rejects(['--ros-args', '-e', 'relative'], /invalid ROS argument '-e relative': invalid enclave/);
    });
    it('unknown flags, named with the known ones', () => {
      rejects(
        ['--ros-args', '--custom-ros-arg'],
        /unknown ROS argument '--custom-ros-arg' after --ros-args; known: -p\/--param, .*end ROS arguments with '--'/,
      );
      rejects(['--ros-args', 'foo:=bar'], /unknown ROS argument 'foo:=bar'/);
      rejects(['--ros-args', '-p=x:=1'], /unknown ROS argument '-p=x:=1'/);
      rejects(['--ros-args', '--log-level', 'info', 'extra'], /unknown ROS argument 'extra'/);
    });
  });

  describe('formatRosArgs', () => {
    const roundTrips: string[][] = [
      [],
      ['user', '--', 'x'],
      ['u', '--ros-args', '-p', 'a:=1', '--params-file', 'f.yaml', '-p', 'n:b:=x', '-r', 'n:c:=d', '-r', '__ns:=/ns'],
      ['--ros-args', '--log-level', 'info', '--log-level', 'x.y:=fatal', '-e', '/e', '--disable-rosout-logs', '--enable-external-lib-logs'],
      ['--ros-args', '--log-file-name', 'p', '--log-config-file', 'c', '--disable-stdout-logs'],
      [
        '--ros-args',
        '-p',
        'd:=1.0',
        '-p',
        'e:=[1.5, -2.0]',
        '-p',
        "s:='it''s'",
        '-p',
        's2:=["yes", "1"]',
        '-p',
        'i:=[1, -2]',
        '-p',
        'b:=[on]',
      ],
      ['--ros-args', '-p', 'n:=.nan', '-p', 'inf:=-.inf', '-p', 'big:=1e300', '-p', 'tiny:=5e-324', '-p', 'z:=-0.0'],
      ['--ros-args', '-p', 'text:="line\\nnext \\"quoted\\""', '-p', "nulltext:='null'", '-p', "num:='30'"],
    ];
    for (const argv of roundTrips) {
      it(`round-trips ${JSON.stringify(argv)}`, () => {
        const parsed = parseRosArgs(argv);
        assert.deepEqual(parseRosArgs(formatRosArgs(parsed)), parsed);
      });
    }
    it('formats values so that ROS reads back the same type', () => {
      assert.equal(formatParamValue('double', 30), '30.0');
      assert.equal(formatParamValue('double', -0.5), '-0.5');
      assert.equal(formatParamValue('integer', 30), '30');
      assert.equal(formatParamValue('string', '30'), '"30"');
      assert.equal(formatParamValue('string', 'true'), '"true"');
      assert.equal(formatParamValue('bool', false), 'false');
      assert.equal(formatParamValue('double_array', [1, 2.5]), '[1.0, 2.5]');
      assert.equal(formatParamValue('string_array', ['a', 'b c']), '["a", "b c"]');
    });
    it('puts params files before -p rules when overrideSources is not given', () => {
      const argv = formatRosArgs({
        params: [{ name: 'rate_hz', type: 'double', value: 30, source: 'launch', nodeName: 'fast' }],
        paramsFiles: ['config/x.yaml'],
        remaps: [{ from: 'image', to: '/camera/image' }],
        userArgs: ['--model', 'm.onnx'],
      });
      assert.deepEqual(argv, [
        '--model',
        'm.onnx',
        '--ros-args',
        '--params-file',
        'config/x.yaml',
        '-p',
        'fast:rate_hz:=30.0',
        '-r',
        'image:=/camera/image',
      ]);
    });
    it('rejects values ROS cannot take on the command line', () => {
      const bad: Partial<RosArgs>[] = [
        { params: [{ name: 'b', type: 'byte_array', value: new Uint8Array([1]), source: 't' }] },
        { params: [{ name: 'e', type: 'string_array', value: [], source: 't' }] },
        { params: [{ name: 'i', type: 'integer', value: 1.5, source: 't' }] },
        { params: [{ name: 's', type: 'string', value: 5, source: 't' }] },
      ];
      for (const args of bad) assert.throws(() => formatRosArgs(args), RosArgsError);
    });
  });
});
