// XML launch files as ros2 launch evaluates them. Expected behaviour from:
//   ros2/launch     launch/share/launch/frontend/grammar.lark, frontend/parse_substitution.py
//   ros2/launch     launch/launch/actions/{declare_launch_argument,group_action,include_launch_description}.py
//   ros2/launch     launch/launch/actions/execute_process.py (_parse_cmdline), conditions/*.py
//   ros2/launch_ros launch_ros/launch_ros/actions/{node,push_ros_namespace,set_parameter,set_remap}.py
//   ros2/launch_ros launch_ros/launch_ros/utilities/namespace_utils.py, ros2launch/api/api.py
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LaunchContext } from '../../nodes/launcher/launch_context.js';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import type { LaunchDescription, NodeAction, ParameterSource } from '../../nodes/launcher/launch_description.js';
import { LaunchArgumentError, LaunchFileError, loadLaunchFile, parseLaunchArguments } from '../../nodes/launcher/launch_file.js';
import type { LoadLaunchFileOptions } from '../../nodes/launcher/launch_file.js';
import { PACKAGE_ROOT } from '../../nodes/package_paths.js';

const tempDirs: string[] = [];

/** Writes files (name → lines) into a fresh temp dir; returns the dir. */
function fixture(files: Record<string, string[]>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vla_ros_launch_test_'));
  tempDirs.push(dir);
  for (const [name, lines] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
  }
  return dir;
}

/** A context whose packages live under `<dir>/install/share/<pkg>` (vla_ros: `dir` itself). */
function testContext(dir: string, env: Record<string, string> = {}): LaunchContext {
  return {
    env: { HOME: '/home/robot', ...env },
    findPackageShare(pkg: string): string {
      if (pkg === 'vla_ros') return dir;
      const share = path.join(dir, 'install', 'share', pkg);
      if (fs.existsSync(share)) return share;
      throw new Error(`package '${pkg}' not found`);
    },
  };
}

interface LoadOptions {
  args?: Record<string, string>;
  env?: Record<string, string>;
  logs?: string[];
}

function load(dir: string, file: string, o: LoadOptions = {}): LaunchDescription {
  const options: LoadLaunchFileOptions = { cwd: dir, onLog: (message, origin) => o.logs?.push(`${origin} ${message}`) };
  return loadLaunchFile(path.join(dir, file), o.args ?? {}, testContext(dir, o.env), options);
}

/** Loads a single launch file given by its body lines (wrapped in <launch>, so line 2 is the first body line). */
function loadBody(body: string[], o: LoadOptions = {}): LaunchDescription {
  const dir = fixture({ 'test.launch.xml': ['<launch>', ...body, '</launch>'] });
  return load(dir, 'test.launch.xml', o);
}

function rejectsBody(body: string[], expected: { line: number; element: string; message: RegExp }, o: LoadOptions = {}): void {
  assert.throws(
    () => loadBody(body, o),
    (err: unknown) => {
      assert.ok(err instanceof LaunchFileError, `expected LaunchFileError, got ${String(err)}`);
      assert.equal(err.line, expected.line, err.message);
      assert.equal(err.element, expected.element, err.message);
      assert.ok(err.message.startsWith(`test.launch.xml:${expected.line}: <${expected.element}>: `), err.message);
      assert.match(err.message, expected.message);
      return true;
    },
  );
}

function node(d: LaunchDescription, exec: string): NodeAction {
  const found = d.nodes.find((n) => n.exec === exec);
  assert.ok(found, `no node '${exec}' among ${d.nodes.map((n) => n.exec).join(', ')}`);
  return found;
}

/** Parameter sources as [kind/global, name=type:value...] for compact assertions. */
function sources(n: NodeAction): string[] {
  return n.parameters.map((s: ParameterSource) =>
    s.kind === 'file'
      ? `file ${s.path}`
      : `${s.global ? 'global' : 'node'} ${s.params.map((p) => `${p.name}=${p.type}:${JSON.stringify(p.value)}`).join(' ')}`,
  );
}

function inlineParams(n: NodeAction): Record<string, [string, unknown]> {
  const out: Record<string, [string, unknown]> = {};
  for (const s of n.parameters) if (s.kind === 'inline' && !s.global) for (const p of s.params) out[p.name] = [p.type, p.value];
  return out;
}

/** The string a `<let>` ends up with, for substitution tests. */
function valueOf(expression: string, o: LoadOptions = {}): string {
  const d = loadBody([`<let name="result" value="${expression.replace(/"/g, '&quot;')}"/>`], o);
  return d.values.result;
}

const NODE = 'pkg="vla_ros"';

after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('launcher/launch_file', () => {
  describe('parseLaunchArguments (ros2launch api.py)', () => {
    it('splits at the first := and lets the last item for a name win', () => {
      assert.deepEqual(parseLaunchArguments(['robot:=fr3', 'x:=a:=b', 'robot:=panda', 'empty_ok:=:=']), {
        robot: 'panda',
        x: 'a:=b',
        empty_ok: ':=',
      });
    });
    it('rejects items without :=, without a name or with an empty value', () => {
      for (const [item, message] of [
        ['robot=fr3', /expected name:=value, got 'robot=fr3'/],
        [':=fr3', /expected name:=value, got ':=fr3'/],
        ['robot:=', /got 'robot:=' \(the value is empty/],
      ] as const) {
        assert.throws(
          () => parseLaunchArguments([item]),
          (err: unknown) => err instanceof LaunchArgumentError && message.test(err.message),
        );
      }
    });
    it('keeps names like __proto__ as plain keys', () => {
      const args = parseLaunchArguments(['__proto__:=x']);
      assert.equal(Object.getOwnPropertyDescriptor(args, '__proto__')?.value, 'x');
    });
  });

  describe('substitutions', () => {
    it('$(var) with and without a default', () => {
      assert.equal(valueOf('$(var robot)', { args: { robot: 'fr3' } }), 'fr3');
      assert.equal(valueOf('$(var missing fallback)'), 'fallback');
      assert.equal(valueOf("$(var missing 'two words')"), 'two words');
      rejectsBody(['<let name="x" value="a $(var missing)"/>'], {
        line: 2,
        element: 'let',
        message: /attribute 'value': launch configuration 'missing' does not exist/,
      });
    });
    it('$(env NAME [default]) reads the context environment', () => {
      assert.equal(valueOf('$(env HOME)'), '/home/robot');
      assert.equal(valueOf('$(env ROBOT_IP 10.0.0.2)'), '10.0.0.2');
      assert.equal(valueOf('$(env ROBOT_IP 10.0.0.2)', { env: { ROBOT_IP: '192.168.1.7' } }), '192.168.1.7');
      assert.equal(valueOf("$(env EMPTY_DEFAULT '')"), '');
      rejectsBody(['<let name="x" value="$(env NOT_SET_ANYWHERE)"/>'], {
        line: 2,
        element: 'let',
        message: /environment variable 'NOT_SET_ANYWHERE' is not set/,
      });
    });
    it('$(dirname) and $(filename) name the file the substitution is written in', () => {
      const dir = fixture({
        'top.launch.xml': [
          '<launch>',
          '  <include file="$(dirname)/sub/child.launch.xml"/>',
          '  <let name="top_dir" value="$(dirname)"/>',
          '</launch>',
        ],
        'sub/child.launch.xml': [
          '<launch>',
          '  <let name="child_dir" value="$(dirname)"/>',
          '  <let name="child_file" value="$(filename)"/>',
          '</launch>',
        ],
      });
      const d = load(dir, 'top.launch.xml');
      assert.equal(d.values.child_dir, path.join(dir, 'sub'));
      assert.equal(d.values.child_file, path.join(dir, 'sub', 'child.launch.xml'));
      assert.equal(d.values.top_dir, dir, '$(dirname) after an include is still the including file (ros2/launch#618 fix)');
    });
    it('$(find-pkg-share) and $(find-pkg-prefix)', () => {
      const dir = fixture({
        'test.launch.xml': [
          '<launch>',
          '  <let name="share" value="$(find-pkg-share franka_description)/urdf"/>',
          '  <let name="prefix" value="$(find-pkg-prefix franka_description)"/>',
          '</launch>',
        ],
        'install/share/franka_description/package.xml': ['<package/>'],
      });
      const d = load(dir, 'test.launch.xml');
      assert.equal(d.values.share, path.join(dir, 'install', 'share', 'franka_description', 'urdf'));
      assert.equal(d.values.prefix, path.join(dir, 'install'));
      rejectsBody(['<let name="x" value="$(find-pkg-share no_such_pkg)"/>'], {
        line: 2,
        element: 'let',
        message: /package 'no_such_pkg' not found/,
      });
      rejectsBody(['<let name="x" value="$(find-pkg-prefix vla_ros)"/>'], {
        line: 2,
        element: 'let',
        message: /not an install prefix's share\/vla_ros folder/,
      });
    });
    it('$(anon name) is stable per name and remembered as the configuration anon<name>', () => {
      const d = loadBody([
        '<let name="a" value="$(anon cam)"/>',
        '<let name="b" value="$(anon cam)"/>',
        '<let name="c" value="$(anon other)"/>',
      ]);
      assert.match(d.values.a, /^cam_[A-Za-z0-9_]+_\d+_\d+$/);
      assert.equal(d.values.a, d.values.b);
      assert.notEqual(d.values.a, d.values.c);
      assert.equal(d.values.anoncam, d.values.a);
    });
    it('boolean substitutions: not, and, or, any, all, equals, not-equals, if', () => {
      assert.equal(valueOf('$(not true)'), 'false');
      assert.equal(valueOf('$(not 0)'), 'true');
      assert.equal(valueOf('$(not yes)'), 'false', 'YAML 1.1 booleans are accepted by launch bool coercion');
      assert.equal(valueOf('$(and true 1)'), 'true');
      assert.equal(valueOf('$(or false off)'), 'false');
      assert.equal(valueOf('$(any false false true)'), 'true');
      assert.equal(valueOf('$(all true false)'), 'false');
      assert.equal(valueOf('$(equals $(var robot) fr3)', { args: { robot: 'fr3' } }), 'true');
      assert.equal(valueOf('$(equals True 1)'), 'true', 'both sides are booleans');
      assert.equal(valueOf('$(equals 1.0 1)'), 'true', 'numbers compare as numbers');
      assert.equal(valueOf('$(not-equals fr3 panda)'), 'true');
      assert.equal(valueOf('$(if $(var sim) sim_clock wall_clock)', { args: { sim: 'true' } }), 'sim_clock');
      assert.equal(valueOf('$(if false only_if)'), '');
      rejectsBody(['<let name="x" value="$(not maybe)"/>'], { line: 2, element: 'let', message: /'maybe' is not a boolean/ });
    });
    it('$(eval) supports literals, comparisons and and/or/not without running code', () => {
      assert.equal(valueOf(`$(eval "'$(var robot)' == 'fr3'")`, { args: { robot: 'fr3' } }), 'True');
      assert.equal(valueOf(`$(eval "$(var n) &gt; 2 and $(var n) &lt;= 10")`, { args: { n: '5' } }), 'True');
      assert.equal(valueOf(`$(eval "1 &lt; 2 &lt; 1")`), 'False', 'chained comparison');
      assert.equal(valueOf(`$(eval "not ('a' != 'a')")`), 'True');
      assert.equal(valueOf(`$(eval "'' or 'default'")`), 'default', 'or returns an operand, as in Python');
      assert.equal(valueOf(`$(eval "2.50")`), '2.5');
      assert.equal(valueOf(`$(eval "3.0")`), '3.0');
      assert.equal(valueOf(`$(eval "$(var x) &gt; -1.5")`, { args: { x: '-1' } }), 'True');
      rejectsBody([`<let name="x" value="$(eval &quot;__import__('os').system('true')&quot;)"/>`], {
        line: 2,
        element: 'let',
        message:
          /\$\(eval .*'__import__' is not supported: the embedded launcher evaluates only literals.*ros2 launch evaluates full Python/,
      });
      rejectsBody([`<let name="x" value="$(eval &quot;1 + 2&quot;)"/>`], {
        line: 2,
        element: 'let',
        message: /'\+' here is not supported/,
      });
    });
    it('escapes and quoting follow the launch grammar', () => {
      assert.equal(valueOf('\\$(var x) costs \\\\5'), '$(var x) costs \\5');
      assert.equal(valueOf('C:\\dir'), 'C:dir', 'a backslash escapes the next character');
      assert.equal(valueOf(`$(var missing "a (b) 'c'")`), "a (b) 'c'");
      assert.equal(valueOf('$(var $(var which))', { args: { which: 'robot', robot: 'fr3' } }), 'fr3');
      assert.equal(valueOf('$(var missing a$(var which)b)', { args: { which: '-' } }), 'a-b');
      assert.equal(valueOf('plain $ and ( ) text'), 'plain $ and ( ) text');
    });
    it('rejects bad syntax, unknown substitutions and wrong argument counts when parsing', () => {
      rejectsBody(['<let name="x" value="$(var a"/>'], {
        line: 2,
        element: 'let',
        message: /invalid substitution syntax in '\$\(var a': '\$\(var' is not closed with '\)'/,
      });
      rejectsBody(['<let name="x" value="$(var  a)"/>'], { line: 2, element: 'let', message: /empty substitution argument/ });
      rejectsBody(['<let name="x" value="$(optenv HOME)"/>'], {
        line: 2,
        element: 'let',
        message: /unknown substitution '\$\(optenv\)' \(that is ROS 1; ROS 2 writes \$\(env NAME default\)\)/,
      });
      rejectsBody(['<let name="x" value="$(arg robot)"/>'], { line: 2, element: 'let', message: /ROS 2 writes \$\(var name\)/ });
      rejectsBody(['<let name="x" value="$(dirname extra)"/>'], {
        line: 2,
        element: 'let',
        message: /\$\(dirname\) takes 0 argument\(s\), got 1/,
      });
      // Parse errors surface even in a branch that never runs, as in ros2 launch.
      rejectsBody(['<group if="false">', '  <let name="x" value="$(nope)"/>', '</group>'], {
        line: 3,
        element: 'let',
        message: /unknown substitution '\$\(nope\)'/,
      });
    });
    it('substitutions ros2 launch has but the embedded launcher cannot run fail only when evaluated', () => {
      rejectsBody(['<let name="x" value="$(command xacro robot.urdf.xacro)"/>'], {
        line: 2,
        element: 'let',
        message: /\$\(command\) is not supported by the embedded launcher; run this file with ros2 launch/,
      });
      const d = loadBody(['<let name="x" value="$(command xacro robot.urdf.xacro)" if="false"/>', '<let name="y" value="ok"/>']);
      assert.equal(d.values.y, 'ok');
    });
  });

  describe('arguments', () => {
    const ARGS = [
      '<arg name="robot" default="fr3" description="Robot model">',
      '  <choice value="fr3"/>',
      '  <choice value="panda"/>',
      '</arg>',
      '<arg name="rate" default="$(var robot)_30"/>',
      '<arg name="ip"/>',
    ];
    it('takes defaults (substituted), command-line overrides, and lists the top-level declarations', () => {
      const d = loadBody(ARGS, { args: { ip: '10.0.0.2' } });
      assert.deepEqual(d.values, { ip: '10.0.0.2', robot: 'fr3', rate: 'fr3_30' });
      assert.deepEqual(d.arguments, [
        { name: 'robot', default: 'fr3', description: 'Robot model', choices: ['fr3', 'panda'] },
        { name: 'rate', default: '$(var robot)_30', description: '', choices: undefined },
        { name: 'ip', default: undefined, description: '', choices: undefined },
      ]);
      assert.equal(loadBody(ARGS, { args: { ip: 'x', robot: 'panda' } }).values.rate, 'panda_30');
    });
    it('checks the value against <choice>', () => {
      rejectsBody(
        ARGS,
        { line: 2, element: 'arg', message: /argument 'robot' is 'ur5' but must be one of: fr3, panda/ },
        { args: { ip: 'x', robot: 'ur5' } },
      );
    });
    it('names a required argument that was not given, with what was given', () => {
      rejectsBody(
        ARGS,
        { line: 7, element: 'arg', message: /required argument 'ip' was not given \(pass ip:=<value>\); given: robot/ },
        { args: { robot: 'fr3' } },
      );
    });
    it('does not require arguments declared under a condition unless they are reached', () => {
      const body = ['<arg name="sim" default="false"/>', '<group if="$(var sim)">', '  <arg name="world"/>', '</group>'];
      assert.deepEqual(loadBody(body).values, { sim: 'false' });
      rejectsBody(body, { line: 4, element: 'arg', message: /required argument 'world' was not given/ }, { args: { sim: 'true' } });
    });
    it('rejects command-line arguments nothing declares or reads', () => {
      rejectsBody(
        ['<arg name="robot" default="fr3"/>'],
        {
          line: 1,
          element: 'launch',
          message:
            /unknown launch argument 'robt' given on the command line: no <arg> declares it and no \$\(var\) reads it.*\(declared: robot\)/,
        },
        { args: { robt: 'fr3' } },
      );
      // ros2 launch passes command-line values to every file: reading one with $(var) is enough.
      assert.equal(loadBody(['<let name="x" value="$(var extra)"/>'], { args: { extra: 'e' } }).values.x, 'e');
    });
    it('an <arg> with a condition is declared only when the condition holds', () => {
      const d = loadBody(['<arg name="a" default="1" if="false"/>', '<arg name="b" default="2" unless="false"/>']);
      assert.deepEqual(d.values, { b: '2' });
    });
  });

  describe('if / unless', () => {
    it('applies to node, group, include, let, set_parameter and push-ros-namespace', () => {
      const dir = fixture({
        'top.launch.xml': [
          '<launch>',
          '  <arg name="sim" default="false"/>',
          `  <node ${NODE} exec="real_driver" unless="$(var sim)"/>`,
          `  <node ${NODE} exec="sim_driver" if="$(var sim)"/>`,
          '  <let name="mode" value="real" unless="$(var sim)"/>',
          '  <let name="mode" value="sim" if="$(var sim)"/>',
          '  <set_parameter name="use_sim_time" value="true" if="$(var sim)"/>',
          '  <push-ros-namespace namespace="sim" if="$(var sim)"/>',
          `  <group if=" TRUE "><node ${NODE} exec="always"/></group>`,
          '  <include file="$(dirname)/extra.launch.xml" if="$(var sim)"/>',
          '</launch>',
        ],
        'extra.launch.xml': ['<launch>', `  <node ${NODE} exec="extra"/>`, '</launch>'],
      });
      const real = load(dir, 'top.launch.xml');
      assert.deepEqual(
        real.nodes.map((n) => n.exec),
        ['real_driver', 'always'],
      );
      assert.equal(real.values.mode, 'real');
      assert.deepEqual(node(real, 'always').parameters, []);
      const sim = load(dir, 'top.launch.xml', { args: { sim: '1' } });
      assert.deepEqual(
        sim.nodes.map((n) => `${n.namespace} ${n.exec}`),
        ['/ sim_driver', '/sim always', '/sim extra'],
      );
      assert.equal(sim.values.mode, 'sim');
      assert.deepEqual(sources(node(sim, 'extra')), ['global use_sim_time=bool:true']);
    });
    it('accepts only true/false/1/0 (any case, surrounding spaces) and rejects both at once', () => {
      rejectsBody([`<node ${NODE} exec="x" if="yes"/>`], {
        line: 2,
        element: 'node',
        message: /attribute 'if': 'yes' is not a valid condition; it must evaluate to true, false, 1 or 0/,
      });
      rejectsBody([`<node ${NODE} exec="x" if="true" unless="false"/>`], {
        line: 2,
        element: 'node',
        message: /'if' and 'unless' cannot be used together/,
      });
    });
  });

  describe('namespaces (PushRosNamespace, prefix_namespace)', () => {
    it('joins pushed namespaces with the node namespace; absolute ones replace', () => {
      const d = loadBody([
        '<group>',
        '  <push-ros-namespace namespace="fr3"/>',
        `  <node ${NODE} exec="a"/>`,
        `  <node ${NODE} exec="b" namespace="arm"/>`,
        `  <node ${NODE} exec="c" namespace="/global"/>`,
        '  <group>',
        '    <push_ros_namespace namespace="left/"/>',
        `    <node ${NODE} exec="d"/>`,
        '    <push-ros-namespace namespace="/abs"/>',
        `    <node ${NODE} exec="e" namespace="x"/>`,
        '  </group>',
        '  <push-ros-namespace namespace=""/>',
        `  <node ${NODE} exec="f" namespace=""/>`,
        '</group>',
        `<node ${NODE} exec="g"/>`,
        `<node ${NODE} exec="h" namespace="rel/"/>`,
      ]);
      assert.deepEqual(
        d.nodes.map((n) => `${n.exec} ${n.namespace}`),
        ['a /fr3', 'b /fr3/arm', 'c /global', 'd /fr3/left', 'e /abs/x', 'f /fr3', 'g /', 'h /rel'],
      );
    });
    it('an unscoped push lasts to the end of the enclosing scope', () => {
      const d = loadBody(['<group scoped="false"><push-ros-namespace namespace="robot"/></group>', `<node ${NODE} exec="a"/>`]);
      assert.equal(node(d, 'a').namespace, '/robot');
    });
    it('rejects invalid namespaces with the element line', () => {
      rejectsBody(['<push-ros-namespace namespace="1bad"/>'], {
        line: 2,
        element: 'push-ros-namespace',
        message: /the resulting namespace '\/1bad' is invalid/,
      });
      rejectsBody([`<node ${NODE} exec="a" namespace="a b"/>`], { line: 2, element: 'node', message: /namespace '\/a b' is invalid/ });
    });
  });

  describe('groups', () => {
    it('scoped groups keep lets, set_parameter and set_remap inside; unscoped ones do not', () => {
      const d = loadBody([
        '<let name="x" value="outer"/>',
        '<group>',
        '  <let name="x" value="inner"/>',
        '  <set_parameter name="p" value="1"/>',
        '  <set_remap from="a" to="b"/>',
        `  <node ${NODE} exec="inside"/>`,
        '</group>',
        `<node ${NODE} exec="outside"/>`,
        '<group scoped="false"><let name="y" value="leaked"/></group>',
      ]);
      assert.deepEqual(d.values, { x: 'outer', y: 'leaked' });
      assert.deepEqual(sources(node(d, 'inside')), ['global p=integer:1']);
      assert.deepEqual(node(d, 'inside').remaps, [{ from: 'a', to: 'b' }]);
      assert.deepEqual(node(d, 'outside').parameters, []);
      assert.deepEqual(node(d, 'outside').remaps, []);
    });
    it('forwarding="false" starts from the <keep> values only', () => {
      const d = loadBody([
        '<arg name="robot" default="fr3"/>',
        '<push-ros-namespace namespace="outer"/>',
        '<group forwarding="false">',
        '  <keep name="model" value="$(var robot)"/>',
        `  <node ${NODE} exec="a" name="$(var model)"/>`,
        '  <let name="has_robot" value="$(var robot not_forwarded)"/>',
        `  <node ${NODE} exec="b" name="$(var has_robot)"/>`,
        '</group>',
      ]);
      assert.deepEqual(
        d.nodes.map((n) => `${n.name} ${n.namespace}`),
        ['fr3 /', 'not_forwarded /'],
      );
    });
    it('takes literal booleans only for scoped/forwarding', () => {
      rejectsBody(['<group scoped="$(var s)"/>'], {
        line: 2,
        element: 'group',
        message: /attribute 'scoped' must be true or false, got '\$\(var s\)'/,
      });
    });
  });

  describe('include', () => {
    const files = {
      'top.launch.xml': [
        '<launch>',
        '  <arg name="robot" default="fr3"/>',
        '  <group>',
        '    <push-ros-namespace namespace="$(var robot)"/>',
        '    <include file="$(find-pkg-share vla_ros)/launch/arm.launch.xml">',
        '      <arg name="side" value="left"/>',
        '      <arg name="label" value="$(var robot)_$(var side)"/>',
        '    </include>',
        '  </group>',
        '  <include file="launch/arm.launch.xml">',
        '    <arg name="side" value="right"/>',
        '  </include>',
        '  <let name="after" value="$(var side)"/>',
        '</launch>',
      ],
      'launch/arm.launch.xml': [
        '<launch>',
        '  <arg name="side"/>',
        '  <arg name="label" default="none"/>',
        '  <arg name="robot" default="unset"/>',
        `  <node ${NODE} exec="arm" name="$(var side)_arm">`,
        '    <param name="label" value="$(var label)"/>',
        '    <param name="robot" value="$(var robot)"/>',
        '  </node>',
        '</launch>',
      ],
    };
    it('passes <arg> values (later ones see earlier ones) and runs in the including scope', () => {
      const dir = fixture(files);
      const d = load(dir, 'top.launch.xml', { args: { robot: 'panda' } });
      assert.deepEqual(
        d.nodes.map((n) => [n.name, n.namespace, inlineParams(n).label[1], inlineParams(n).robot[1], n.origin]),
        [
          ['left_arm', '/panda', 'panda_left', 'panda', 'launch/arm.launch.xml:5'],
          ['right_arm', '/', 'none', 'panda', 'launch/arm.launch.xml:5'],
        ],
      );
      // An include is not scoped (ros2/launch#313): its arguments remain set afterwards.
      assert.equal(d.values.after, 'right');
      assert.equal(d.values.label, 'none');
    });
    it("requires the included file's required arguments to be passed explicitly", () => {
      const dir = fixture({
        'top.launch.xml': [
          '<launch>',
          '  <let name="side" value="left"/>',
          '  <include file="$(dirname)/launch/arm.launch.xml"/>',
          '</launch>',
        ],
        'launch/arm.launch.xml': files['launch/arm.launch.xml'],
      });
      assert.throws(
        () => load(dir, 'top.launch.xml'),
        (err: unknown) => {
          assert.ok(err instanceof LaunchFileError);
          assert.equal(
            err.message,
            `top.launch.xml:3: <include>: 'launch/arm.launch.xml' requires argument 'side' (declared at line 2); pass it with <arg name="side" value="..."/> inside the <include> (given: none)`,
          );
          return true;
        },
      );
    });
    it('reports missing, Python, YAML and cyclic includes at the <include>', () => {
      const dir = fixture({
        'a.launch.xml': ['<launch>', '  <include file="$(dirname)/b.launch.xml"/>', '</launch>'],
        'b.launch.xml': ['<launch>', '', '  <include file="$(dirname)/a.launch.xml"/>', '</launch>'],
        'py.launch.xml': ['<launch>', '  <include file="$(find-pkg-share vla_ros)/x.launch.py"/>', '</launch>'],
        'yaml.launch.xml': ['<launch>', '  <include file="x.launch.yaml"/>', '</launch>'],
        'missing.launch.xml': ['<launch>', '  <include file="nope.launch.xml"/>', '</launch>'],
      });
      const expect = (file: string, message: RegExp): void => {
        assert.throws(
          () => load(dir, file),
          (err: unknown) => err instanceof LaunchFileError && message.test(err.message),
        );
      };
      expect('a.launch.xml', /^b\.launch\.xml:3: <include>: include cycle: a\.launch\.xml → b\.launch\.xml → a\.launch\.xml$/);
      expect('py.launch.xml', /^py\.launch\.xml:2: <include>: 'x\.launch\.py' is a Python launch file.*write it as an XML launch file/);
      expect('yaml.launch.xml', /^yaml\.launch\.xml:2: <include>: 'x\.launch\.yaml' is a YAML launch file/);
      expect('missing.launch.xml', /^missing\.launch\.xml:2: <include>: included file 'nope\.launch\.xml' does not exist$/);
    });
    it('refuses a Python or YAML top-level file with a pointer to XML', () => {
      const dir = fixture({ 'bringup.launch.py': ['# python'] });
      assert.throws(
        () => load(dir, 'bringup.launch.py'),
        /bringup\.launch\.py' is a Python launch file, which the embedded launcher cannot run: write it as an XML launch file/,
      );
    });
  });

  describe('node', () => {
    it('reads pkg, exec, name, output, respawn, respawn_delay, args and ros_args', () => {
      const d = loadBody([
        '<arg name="model" default="pi0 fast"/>',
        `<node ${NODE} exec="policy" name="fast_pathway" output="screen" respawn="$(not false)" respawn_delay="2.5"`,
        `      args="--model $(var model) --dir $(dirname)/models extra" ros_args="--log-level debug"/>`,
        `<node ${NODE} exec="monitor"/>`,
      ]);
      const policy = node(d, 'policy');
      assert.deepEqual(
        { ...policy, parameters: undefined },
        {
          pkg: 'vla_ros',
          exec: 'policy',
          name: 'fast_pathway',
          namespace: '/',
          namespaceGiven: false,
          parameters: undefined,
          remaps: [],
          args: ['--model', 'pi0 fast', '--dir', `${path.dirname(d.file)}/models`, 'extra'],
          rosArgs: ['--log-level', 'debug'],
          output: 'screen',
          respawn: true,
          respawnDelay: 2.5,
          origin: 'test.launch.xml:3',
        },
      );
      const monitor = node(d, 'monitor');
      assert.deepEqual(
        [monitor.name, monitor.output, monitor.respawn, monitor.respawnDelay, monitor.args],
        [undefined, undefined, false, 0, []],
      );
    });
    it('keeps a substitution result as one argument, glued to adjacent text', () => {
      const d = loadBody(['<arg name="two" default="a b"/>', `<node ${NODE} exec="x" args="pre$(var two)post  $(var two) 'q r'"/>`]);
      assert.deepEqual(node(d, 'x').args, ['prea bpost', 'a b', 'q r']);
      // Each text piece is shell-split on its own, so quotes cannot span a substitution (as upstream).
      rejectsBody(
        [`<node ${NODE} exec="x" args="'$(var two)'"/>`],
        { line: 2, element: 'node', message: /attribute 'args': no closing ' quotation/ },
        { args: { two: 'a' } },
      );
    });
    it('rejects what ros2 launch rejects, with file and line', () => {
      rejectsBody([`<node ${NODE} name="x"/>`], { line: 2, element: 'node', message: /attribute 'exec' is required/ });
      rejectsBody(['', `<node ${NODE} exec="x" nmae="y"/>`], {
        line: 3,
        element: 'node',
        message: /unexpected attribute 'nmae' \(known: .*\bname\b/,
      });
      rejectsBody([`<node ${NODE} exec="x" type="y"/>`], { line: 2, element: 'node', message: /unexpected attribute 'type': use 'exec'/ });
      rejectsBody([`<node ${NODE} exec="x">`, '  <parm name="a" value="1"/>', '</node>'], {
        line: 3,
        element: 'node',
        message: /unexpected child element <parm> \(allowed: .*<param>/,
      });
      rejectsBody([`<node ${NODE} exec="x" name="bad-name"/>`], {
        line: 2,
        element: 'node',
        message: /attribute 'name': invalid node name 'bad-name'/,
      });
      rejectsBody([`<node ${NODE} exec="x" respawn_delay="-1"/>`], {
        line: 2,
        element: 'node',
        message: /'respawn_delay' must not be negative/,
      });
      rejectsBody([`<node ${NODE} exec="x" output="loud"/>`], { line: 2, element: 'node', message: /'loud' is not an output setting/ });
      rejectsBody([`<node ${NODE} exec="x" args="'unclosed"/>`], {
        line: 2,
        element: 'node',
        message: /attribute 'args': no closing ' quotation/,
      });
      rejectsBody(['<node exec="x"/>'], { line: 2, element: 'node', message: /attribute 'pkg' is required by the embedded launcher/ });
    });
    it('refuses node features the embedded launcher cannot honour, only when the node runs', () => {
      rejectsBody([`<node ${NODE} exec="x" launch-prefix="gdb -ex run --args"/>`], {
        line: 2,
        element: 'node',
        message:
          /attribute 'launch-prefix' \('gdb -ex run --args'\) is not supported by the embedded launcher; run this file with ros2 launch/,
      });
      rejectsBody([`<node ${NODE} exec="x" cwd="/tmp" sigterm_timeout="3"/>`], {
        line: 2,
        element: 'node',
        message: /attribute 'cwd', attribute 'sigterm_timeout' are not supported by the embedded launcher/,
      });
      rejectsBody([`<node ${NODE} exec="x" output="own_log"/>`], {
        line: 2,
        element: 'node',
        message: /output 'own_log' \(rather than screen, log or both\) is not supported by the embedded launcher/,
      });
      const d = loadBody([
        '<arg name="prefix" default=""/>',
        `<node ${NODE} exec="x" launch-prefix="$(var prefix)"/>`,
        `<node ${NODE} exec="y" cwd="/tmp" if="false"/>`,
      ]);
      assert.deepEqual(
        d.nodes.map((n) => n.exec),
        ['x'],
      );
    });
  });

  describe('node_container (ComposableNodeContainer)', () => {
    it('turns its composable nodes (whose condition holds) into nodes that name the container', () => {
      const d = loadBody([
        '<push-ros-namespace namespace="/fr3"/>',
        '<set_parameter name="use_sim_time" value="true"/>',
        `<node_container ${NODE} exec="component_container" name="vla_container" namespace="" output="screen">`,
        `  <composable_node ${NODE} plugin="fast_pathway" name="fast">`,
        '    <param name="rate_hz" value="30.0"/>',
        '    <remap from="action_chunk" to="chunks"/>',
        '    <extra_arg name="use_intra_process_comms" value="true"/>',
        '  </composable_node>',
        `  <composable_node ${NODE} plugin="failure_monitor" if="false"/>`,
        `  <composable_node ${NODE} plugin="episode_manager" namespace="other"/>`,
        '</node_container>',
        `<node ${NODE} exec="sim"/>`,
      ]);
      assert.deepEqual(
        d.nodes.map((n) => [n.exec, n.namespace, n.container?.name]),
        [
          ['fast_pathway', '/fr3', 'vla_container'],
          ['episode_manager', '/fr3/other', 'vla_container'],
          ['sim', '/fr3', undefined],
        ],
      );
      const fast = node(d, 'fast_pathway');
      assert.equal(fast.container, node(d, 'episode_manager').container, 'one container object');
      assert.deepEqual(
        [fast.container?.exec, fast.container?.namespace, fast.container?.origin],
        ['component_container', '/fr3', 'test.launch.xml:4'],
      );
      assert.deepEqual(sources(fast), ['global use_sim_time=bool:true', 'node rate_hz=double:30']);
      assert.deepEqual(
        fast.remaps.map((r) => `${r.from}:=${r.to}`),
        ['action_chunk:=chunks'],
      );
      assert.equal(fast.output, 'screen', "the container's output");
      assert.equal(fast.origin, 'test.launch.xml:5');
      assert.deepEqual(
        loadBody(['<node_container pkg="x" exec="y" name="c" if="false"><composable_node pkg="a" plugin="b"/></node_container>']).nodes,
        [],
      );
    });
    it('refuses a container without a name, an unknown extra_arg and unknown children', () => {
      rejectsBody([`<node_container ${NODE} exec="component_container"/>`], {
        line: 2,
        element: 'node_container',
        message: /attribute 'name' is required/,
      });
      rejectsBody(
        [
          `<node_container ${NODE} exec="component_container" name="c">`,
          `  <composable_node ${NODE} plugin="fast_pathway"><extra_arg name="use_intra_proces_comms" value="true"/></composable_node>`,
          '</node_container>',
        ],
        {
          line: 3,
          element: 'extra_arg',
          message: /extra argument 'use_intra_proces_comms' unknown \(this container understands: use_intra_process_comms\)/,
        },
      );
      rejectsBody(
        [
          `<node_container ${NODE} exec="component_container" name="c">`,
          '  <composable_node pkg="vla_ros" plugin="a"><env name="A" value="1"/></composable_node>',
          '</node_container>',
        ],
        {
          line: 3,
          element: 'composable_node',
          message: /unexpected child element <env>/,
        },
      );
    });
  });

  describe('parameters', () => {
    it('types inline values as ROS types YAML values', () => {
      const d = loadBody([
        '<arg name="rate" default="30"/>',
        `<node ${NODE} exec="x">`,
        '  <param name="int" value="$(var rate)"/>',
        '  <param name="hex" value="0x10"/>',
        '  <param name="double" value="0.5"/>',
        '  <param name="exp" value="1e3"/>',
        '  <param name="bool" value="true"/>',
        '  <param name="yes" value="yes"/>',
        '  <param name="string" value="fr3"/>',
        `  <param name="quoted" value="'30'"/>`,
        '  <param name="empty" value=""/>',
        '  <param name="ints" value="[1, 2, 3]"/>',
        '  <param name="doubles" value="[0.1, 2.0]"/>',
        '  <param name="strings" value="[a, b]"/>',
        '  <param name="bools" value="[true, false]"/>',
        '  <param name="sep" value="left;right" value-sep=";"/>',
        '  <param name="sep_ints" value="1,2" value-sep=","/>',
        '  <param name="as_str" value="30" type="str"/>',
        '  <param name="as_float" value="1" type="float"/>',
        '  <param name="as_bool" value="1" type="bool"/>',
        '  <param name="float_list" value="0.5,1" value-sep="," type="list_of_float"/>',
        `  <param name="requoted" value="'$(var rate)'"/>`,
        '</node>',
      ]);
      assert.deepEqual(inlineParams(node(d, 'x')), {
        int: ['integer', 30],
        hex: ['integer', 16],
        double: ['double', 0.5],
        exp: ['double', 1000],
        bool: ['bool', true],
        yes: ['bool', true],
        string: ['string', 'fr3'],
        quoted: ['string', '30'],
        empty: ['string', ''],
        ints: ['integer_array', [1, 2, 3]],
        doubles: ['double_array', [0.1, 2]],
        strings: ['string_array', ['a', 'b']],
        bools: ['bool_array', [true, false]],
        sep: ['string_array', ['left', 'right']],
        sep_ints: ['integer_array', [1, 2]],
        as_str: ['string', '30'],
        as_float: ['double', 1],
        as_bool: ['bool', true],
        float_list: ['double_array', [0.5, 1]],
        // launch_xml loads the value with YAML before substituting, so the quotes go.
        requoted: ['integer', 30],
      });
    });
    it('flattens nested <param> groups into dotted names', () => {
      const d = loadBody([
        `<node ${NODE} exec="x">`,
        '  <param name="gains">',
        '    <param name="kp" value="1.5"/>',
        '    <param name="limits">',
        '      <param name="max" value="2"/>',
        '    </param>',
        '  </param>',
        '</node>',
      ]);
      assert.deepEqual(inlineParams(node(d, 'x')), { 'gains.kp': ['double', 1.5], 'gains.limits.max': ['integer', 2] });
      assert.equal(node(d, 'x').parameters.length, 1);
    });
    it("orders sources: <set_parameter> (global) first, then the node's own in document order", () => {
      const dir = fixture({
        'test.launch.xml': [
          '<launch>',
          '  <set_parameter name="use_sim_time" value="false"/>',
          '  <set_parameter name="id" value="\'7\'"/>',
          '  <set_parameters_from_file filename="config/common.yaml"/>',
          '  <set_parameter name="after_file" value="x"/>',
          `  <node ${NODE} exec="x">`,
          '    <param name="a" value="1"/>',
          '    <param from="config/x.yaml"/>',
          '    <param name="b" value="2"/>',
          '    <param name="c" value="3"/>',
          '  </node>',
          '</launch>',
        ],
        'config/common.yaml': ['/**:', '  ros__parameters: {a: 0}'],
        'config/x.yaml': ['/**:', '  ros__parameters: {a: 0}'],
      });
      const d = load(dir, 'test.launch.xml');
      assert.deepEqual(sources(node(d, 'x')), [
        // set_parameter values reach the node as `-p name:=<str(yaml value)>`: quotes do not survive.
        'global use_sim_time=bool:false id=integer:7',
        `file ${path.join(dir, 'config', 'common.yaml')}`,
        'global after_file=string:"x"',
        'node a=integer:1',
        `file ${path.join(dir, 'config', 'x.yaml')}`,
        'node b=integer:2 c=integer:3',
      ]);
      const inline = node(d, 'x').parameters[0];
      assert.ok(inline.kind === 'inline');
      assert.equal(inline.params[0].source, 'launch test.launch.xml:2');
    });
    it('reports bad values, missing files and bad <param> shapes with file and line', () => {
      const at = (line: string, message: RegExp): void =>
        rejectsBody([`<node ${NODE} exec="x">`, line, '</node>'], { line: 3, element: 'param', message });
      at('<param name="mixed" value="[1, a]"/>', /parameter 'mixed': value '\[1, a\]': arrays must hold one type/);
      at('<param name="empty" value="[]"/>', /parameter 'empty'.*empty arrays cannot be typed/);
      at('<param name="n" value="1.5" type="int"/>', /'1\.5' is not an int/);
      at(
        '<param name="f" value="[1, 2]" type="list_of_float"/>',
        /type 'list_of_float' needs a YAML list of that type, got integer_array \(write every number with a decimal point/,
      );
      at('<param name="t" value="1" type="double"/>', /invalid type 'double' \(one of str, bool, float, int/);
      at('<param from="config/missing.yaml"/>', /params file '.*config\/missing\.yaml' does not exist/);
      at('<param name="a" from="x.yaml"/>', /'name' and 'from' cannot be used together/);
      at('<param name="a"/>', /either a 'value' attribute or nested <param> elements are needed/);
      at('<param name="a" value="1"><param name="b" value="2"/></param>', /'value' and nested <param> elements cannot be used together/);
      at('<param value="1"/>', /a <param> needs a 'name'/);
      rejectsBody(['<set_parameter name="l" value="[1, 2]"/>'], {
        line: 2,
        element: 'set_parameter',
        message: /ros2 launch passes a list given to <set_parameter> as the text of a Python tuple/,
      });
      rejectsBody(['<set_parameters_from_file filename="none.yaml"/>'], {
        line: 2,
        element: 'set_parameters_from_file',
        message: /params file '.*none\.yaml' does not exist/,
      });
    });
  });

  describe('remaps', () => {
    it("puts <set_remap> rules in scope before the node's own <remap> rules (rcl: first match wins)", () => {
      const d = loadBody([
        '<arg name="robot" default="fr3"/>',
        '<set_remap from="/tf" to="tf"/>',
        `<node ${NODE} exec="x">`,
        '  <remap from="joint_states" to="/$(var robot)/joint_states"/>',
        '  <remap from="bridge:cmd" to="cmd_fast"/>',
        '</node>',
      ]);
      assert.deepEqual(node(d, 'x').remaps, [
        { from: '/tf', to: 'tf' },
        { from: 'joint_states', to: '/fr3/joint_states' },
        { nodeName: 'bridge', from: 'cmd', to: 'cmd_fast' },
      ]);
      rejectsBody([`<node ${NODE} exec="x">`, '  <remap from="a b" to="c"/>', '</node>'], {
        line: 3,
        element: 'remap',
        message: /invalid remap rule 'a b:=c'/,
      });
    });
  });

  describe('environment and log', () => {
    it('set_env, unset_env and append_env change $(env), scoped by groups', () => {
      const logs: string[] = [];
      const d = loadBody(
        [
          '<group>',
          '  <set_env name="MODEL_DIR" value="/models"/>',
          '  <append_env name="MODEL_DIR" value="/extra"/>',
          '  <append_env name="MODEL_DIR" value="/first" prepend="true" separator=";"/>',
          '  <unset_env name="HOME"/>',
          '  <let name="inside" value="$(env MODEL_DIR) $(env HOME unset)"/>',
          '  <log message="model dir: $(var inside)"/>',
          '</group>',
          '<let name="outside" value="$(env MODEL_DIR none) $(env HOME)"/>',
        ],
        { logs },
      );
      assert.deepEqual(logs, ['test.launch.xml:8 model dir: /first;/models:/extra unset']);
      assert.deepEqual(d.values, { outside: 'none /home/robot' });
    });
  });

  describe('file-level errors', () => {
    it('names file and line for XML syntax errors, unknown and unsupported elements', () => {
      const dir = fixture({ 'broken.launch.xml': ['<launch>', '  <node pkg="a" exec="b">', '</launch>'] });
      assert.throws(
        () => load(dir, 'broken.launch.xml'),
        /^LaunchFileError: broken\.launch\.xml:3: not well-formed XML: Expected closing tag 'node'/,
      );
      rejectsBody(['<nodes/>'], { line: 2, element: 'nodes', message: /unknown element \(ros2 launch does not know it either\)/ });
      rejectsBody(['<param name="a" value="1"/>'], { line: 2, element: 'param', message: /unknown element; in ROS 2 use <set_parameter/ });
      rejectsBody(['<executable cmd="ls"/>'], {
        line: 2,
        element: 'executable',
        message: /<executable> \(runs an arbitrary process\) is not supported by the embedded launcher; run this file with ros2 launch/,
      });
      rejectsBody(['<load_composable_node target="/c"/>'], {
        line: 2,
        element: 'load_composable_node',
        message: /not supported by the embedded launcher/,
      });
      rejectsBody([`<composable_node ${NODE} plugin="fast_pathway"/>`], {
        line: 2,
        element: 'composable_node',
        message: /only the children of a <node_container> are run/,
      });
      assert.deepEqual(loadBody(['<timer period="1" if="false"><node pkg="a" exec="b"/></timer>']).nodes, [], 'unsupported but skipped');
      const other = fixture({ 'x.launch.xml': ['<robot/>'] });
      assert.throws(() => load(other, 'x.launch.xml'), /x\.launch\.xml:1: <robot>: the root element must be <launch>/);
    });
    it('decodes XML entities and normalises whitespace in attributes', () => {
      assert.equal(valueOf('a &amp; b &lt;&#65;&#x42;&gt;'), 'a & b <AB>');
      const d = loadBody(['<let name="multi" value="one', '  two"/>']);
      assert.equal(d.values.multi, 'one   two');
    });
  });

  describe('the package launch files', () => {
    it('evaluates launch/bringup.launch.xml when the package has it', function () {
      const file = path.join(PACKAGE_ROOT, 'launch', 'bringup.launch.xml');
      if (!fs.existsSync(file)) {
        console.log(`      (skipped: ${file} does not exist yet)`);
        this.skip();
      }
      const context = defaultLaunchContext({ ...process.env, AMENT_PREFIX_PATH: '' });
      const declaresRobot = /<arg\s+name="robot"/.test(fs.readFileSync(file, 'utf8'));
      const d = loadLaunchFile(file, declaresRobot ? { robot: 'fr3' } : {}, context, { cwd: PACKAGE_ROOT });
      assert.equal(d.file, file);
      assert.ok(d.nodes.length > 0, 'bringup starts nodes');
      for (const n of d.nodes) {
        assert.ok(n.exec.length > 0);
        assert.ok(n.namespace.startsWith('/'));
        for (const s of n.parameters) if (s.kind === 'file') assert.ok(fs.existsSync(s.path), s.path);
      }
    });
  });
});
