// Our interface files checked by ROS 2's own tools: rosidl_adapter (the .msg/.srv parser that
// rosidl_generate_interfaces runs) and catkin_pkg (package.xml). Both are Debian packages
// (python3-rosidl, python3-catkin-pkg) used through /usr/bin/python3; no ROS 2 install needed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MessageRegistry, type MessageDefinitionField } from '../../nodes/msgs/index.js';
import { constantFields, dataFields, referencedTypes } from '../../nodes/msgs/definition.js';
import { findInterfacePackages } from '../../nodes/msgs/interface_files.js';
import { packagePath } from '../../nodes/package_paths.js';
import { SYSTEM_PYTHON, skipWithReason } from './helpers.js';

const INSTALL_HINT = 'apt-get install python3-rosidl python3-catkin-pkg';
const VLA_ROS_MSGS = packagePath('msgs', 'vla_ros_msgs');

/** Field as rosidl_adapter reports it (see RosidlField in the script below). */
interface RosidlField {
  name: string;
  pkg: string | null;
  type: string;
  isArray: boolean;
  arraySize: number | null;
  isUpperBound: boolean;
  stringUpperBound: number | null;
}

interface RosidlConstant {
  name: string;
  type: string;
  value: string | number | boolean;
}

interface RosidlMessage {
  fields: RosidlField[];
  constants: RosidlConstant[];
}

type RosidlResult =
  ({ kind: 'msg' } & RosidlMessage) | { kind: 'srv'; request: RosidlMessage; response: RosidlMessage } | { kind: 'error'; error: string };

const ROSIDL_SCRIPT = `
import json, sys
from rosidl_adapter.parser import parse_message_file, parse_service_file

def message(spec):
    return {
        'fields': [{'name': f.name, 'pkg': f.type.pkg_name, 'type': f.type.type, 'isArray': f.type.is_array,
                    'arraySize': f.type.array_size, 'isUpperBound': f.type.is_upper_bound,
                    'stringUpperBound': f.type.string_upper_bound} for f in spec.fields],
        'constants': [{'name': c.name, 'type': c.type, 'value': c.value} for c in spec.constants],
    }

out = {}
for pkg, path in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        if path.endswith('.msg'):
            out[path] = dict(kind='msg', **message(parse_message_file(pkg, path)))
        else:
            srv = parse_service_file(pkg, path)
            out[path] = {'kind': 'srv', 'request': message(srv.request), 'response': message(srv.response)}
    except Exception as error:
        out[path] = {'kind': 'error', 'error': '%s: %s' % (type(error).__name__, error)}
print(json.dumps(out))
`;

const CATKIN_SCRIPT = `
import json, sys
from catkin_pkg.package import parse_package
try:
    package = parse_package(sys.argv[1])
    package.validate()
    print(json.dumps({
        'format': package.package_format, 'name': package.name,
        'groups': [group.name for group in package.member_of_groups],
        'buildDepends': [d.name for d in package.build_depends],
        'execDepends': [d.name for d in package.exec_depends],
        'buildtoolDepends': [d.name for d in package.buildtool_depends],
        'buildType': package.get_build_type(),
    }))
except Exception as error:
    print(json.dumps({'error': '%s: %s' % (type(error).__name__, error)}))
`;

function runPython(script: string, args: string[]): unknown {
  const result = spawnSync(SYSTEM_PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `${SYSTEM_PYTHON} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

/** Skips the suite unless Debian's python3 with rosidl_adapter and catkin_pkg is there. */
function requireRosTools(context: Mocha.Context): void {
  if (!fs.existsSync(SYSTEM_PYTHON)) {
    skipWithReason(context, `${SYSTEM_PYTHON} is absent; ${INSTALL_HINT}`);
  }
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import rosidl_adapter.parser, catkin_pkg.package'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    skipWithReason(context, `rosidl_adapter/catkin_pkg not importable by ${SYSTEM_PYTHON}; ${INSTALL_HINT}`);
  }
}

/** Every .msg/.srv of an interface package folder, relative (msg/Foo.msg), sorted. */
function interfaceFiles(packageDir: string): string[] {
  return ['msg', 'srv', 'action']
    .flatMap((folder) => {
      const dir = path.join(packageDir, folder);
      return fs.existsSync(dir) ? fs.readdirSync(dir).map((file) => `${folder}/${file}`) : [];
    })
    .filter((file) => /\.(msg|srv|action)$/.test(file))
    .sort();
}

/** A field in one comparable shape, from either parser. */
interface ComparableField {
  name: string;
  type: string;
  isArray: boolean;
  arrayLength: number | undefined;
  arrayUpperBound: number | undefined;
  stringUpperBound: number | undefined;
}

// rosidl keeps byte/char and names builtin_interfaces/Time; @foxglove/rosmsg reads byte/char as
// uint8 and Time/Duration as the time/duration primitives. Normalise both to @foxglove's names.
const ROSIDL_ALIASES: Readonly<Record<string, string>> = {
  byte: 'uint8',
  char: 'uint8',
  'builtin_interfaces/Time': 'time',
  'builtin_interfaces/Duration': 'duration',
};

function fromRosidl(field: RosidlField): ComparableField {
  const qualified = field.pkg === null ? field.type : `${field.pkg}/${field.type}`;
  const fixed = field.isArray && field.arraySize !== null && !field.isUpperBound;
  return {
    name: field.name,
    type: ROSIDL_ALIASES[qualified] ?? qualified,
    isArray: field.isArray,
    arrayLength: fixed ? (field.arraySize ?? undefined) : undefined,
    arrayUpperBound: field.isUpperBound ? (field.arraySize ?? undefined) : undefined,
    stringUpperBound: field.stringUpperBound ?? undefined,
  };
}

function fromFoxglove(field: MessageDefinitionField): ComparableField {
  return {
    name: field.name,
    type: field.type,
    isArray: field.isArray === true,
    arrayLength: field.arrayLength,
    arrayUpperBound: field.arrayUpperBound,
    stringUpperBound: field.upperBound,
  };
}

function compareMessage(registry: MessageRegistry, type: string, rosidl: RosidlMessage): void {
  const { definition } = registry.describe(type);
  assert.deepEqual(dataFields(definition).map(fromFoxglove), rosidl.fields.map(fromRosidl), `${type}: fields differ`);
  assert.deepEqual(
    constantFields(definition).map((constant) => ({
      name: constant.name,
      type: constant.type,
      value: typeof constant.value === 'bigint' ? Number(constant.value) : constant.value,
    })),
    rosidl.constants.map((constant) => ({ ...constant, type: ROSIDL_ALIASES[constant.type] ?? constant.type })),
    `${type}: constants differ`,
  );
}

describe('interface files against ROS 2 tooling (rosidl_adapter, catkin_pkg)', function () {
  before(function () {
    requireRosTools(this);
  });

  const registry = new MessageRegistry();
  const packages = findInterfacePackages(packagePath('msgs'));

  it('rosidl_adapter parses every .msg/.srv, and its fields equal what @foxglove/rosmsg parsed', () => {
    const args: string[] = [];
    for (const packageDir of packages) {
      for (const file of interfaceFiles(packageDir)) {
        args.push(path.basename(packageDir), path.join(packageDir, file));
      }
    }
    assert.ok(args.length >= 2 * 12, 'expected the vla_ros_msgs files and msgs/upstream');
    const results = runPython(ROSIDL_SCRIPT, args) as Record<string, RosidlResult>;

    for (let index = 0; index < args.length; index += 2) {
      const pkg = args[index] ?? '';
      const file = args[index + 1] ?? '';
      const result = results[file];
      assert.ok(result !== undefined, `no result for ${file}`);
      if (result.kind === 'error') {
        assert.fail(`rosidl_adapter rejects ${path.relative(packagePath(), file)}: ${result.error}`);
      }
      const name = path.basename(file).replace(/\.(msg|srv)$/, '');
      if (result.kind === 'msg') {
        compareMessage(registry, `${pkg}/msg/${name}`, result);
      } else {
        compareMessage(registry, `${pkg}/srv/${name}_Request`, result.request);
        compareMessage(registry, `${pkg}/srv/${name}_Response`, result.response);
      }
    }
  });

  it("CMakeLists.txt's rosidl_generate_interfaces lists exactly the files on disk", () => {
    const cmake = fs.readFileSync(path.join(VLA_ROS_MSGS, 'CMakeLists.txt'), 'utf8');
    const call = /rosidl_generate_interfaces\s*\(\s*\$\{PROJECT_NAME\}([^)]*)\)/.exec(cmake);
    assert.ok(call?.[1] !== undefined, 'no rosidl_generate_interfaces(${PROJECT_NAME} ...) call');
    const [fileList = '', dependencyList = ''] = call[1].split(/\bDEPENDENCIES\b/);
    const listed = [...fileList.matchAll(/"([^"]+)"/g)].map((match) => match[1]).sort();
    assert.deepEqual(listed, interfaceFiles(VLA_ROS_MSGS));

    // Every package our interfaces refer to must be a rosidl dependency.
    const cmakeDependencies = dependencyList.split(/\s+/).filter((word) => /^[a-z][a-z0-9_]*$/.test(word));
    for (const dependency of externalPackages(registry)) {
      assert.ok(cmakeDependencies.includes(dependency), `DEPENDENCIES lacks ${dependency}`);
      assert.match(cmake, new RegExp(`find_package\\(${dependency} REQUIRED\\)`), `find_package(${dependency}) missing`);
    }
  });

  it('package.xml is a valid format-3 interface package (catkin_pkg)', () => {
    const result = runPython(CATKIN_SCRIPT, [path.join(VLA_ROS_MSGS, 'package.xml')]) as Record<string, unknown>;
    assert.equal(result.error, undefined, `catkin_pkg rejects package.xml: ${String(result.error)}`);
    assert.equal(result.format, 3);
    assert.equal(result.name, 'vla_ros_msgs');
    assert.deepEqual(result.groups, ['rosidl_interface_packages']);
    assert.equal(result.buildType, 'ament_cmake');
    assert.ok((result.buildtoolDepends as string[]).includes('rosidl_default_generators'));
    assert.ok((result.execDepends as string[]).includes('rosidl_default_runtime'));
    for (const dependency of externalPackages(registry)) {
      assert.ok((result.buildDepends as string[]).includes(dependency), `package.xml: no build depend on ${dependency}`);
      assert.ok((result.execDepends as string[]).includes(dependency), `package.xml: no exec depend on ${dependency}`);
    }
  });
});

/** The packages vla_ros_msgs' messages and services refer to, other than itself. */
function externalPackages(registry: MessageRegistry): string[] {
  const types = [...registry.messageTypes(), ...registry.serviceTypes().flatMap((service) => [service.request, service.response])].filter(
    (type) => type.startsWith('vla_ros_msgs/'),
  );
  const packages = new Set<string>();
  for (const type of types) {
    for (const reference of referencedTypes(registry.describe(type).definition)) {
      const pkg = reference.split('/')[0] ?? '';
      if (pkg !== 'vla_ros_msgs') {
        packages.add(pkg);
      }
    }
  }
  return [...packages].sort();
}
