// The node parameter model. Range, read-only and callback behaviour follow rclcpp's
// NodeParameters (ros2/rclcpp rclcpp/src/rclcpp/node_interfaces/node_parameters.cpp); the
// integer → double widening and the explicit numeric type are this suite's choices.
import { strict as assert } from 'node:assert';
import type { ParameterOverride, ParameterType, ParameterValue } from '../../nodes/ros/parameter.js';
import { ParameterError, ParameterStore } from '../../nodes/ros/parameter_store.js';
import type { ParameterChange } from '../../nodes/ros/parameter_store.js';

const NODE = '/fast_pathway';
const FILE = 'config/x.yaml';

function override(name: string, type: ParameterType, value: ParameterValue, source = FILE): ParameterOverride {
  return { name, type, value, source };
}

function storeWith(overrides: ParameterOverride[] = [], nodeSpecific: string[] = []): ParameterStore {
  return new ParameterStore(NODE, new Map(overrides.map((o) => [o.name, o])), new Set(nodeSpecific));
}

function throwsParameterError(fn: () => unknown, message: RegExp | string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ParameterError, `expected ParameterError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('ros/parameter_store', () => {
  describe('declare: types', () => {
    it('infers bool, string, double, byte and non-numeric array types from the default', () => {
      const store = storeWith();
      const enabled: boolean = store.declare('enabled', true);
      const model: string = store.declare('model', 'pi0');
      const gain: number = store.declare('gain', 0.5);
      store.declare('limit', Infinity);
      store.declare('blob', new Uint8Array([1, 2]));
      store.declare('flags', [true, false]);
      store.declare('names', ['a', 'b']);
      store.declare('weights', [1, 2.5]);
      assert.deepEqual([enabled, model, gain], [true, 'pi0', 0.5]);
      const types = store.names().map((n) => [n, store.describe(n).type]);
      assert.deepEqual(types, [
        ['blob', 'byte_array'],
        ['enabled', 'bool'],
        ['flags', 'bool_array'],
        ['gain', 'double'],
        ['limit', 'double'],
        ['model', 'string'],
        ['names', 'string_array'],
        ['weights', 'double_array'],
      ]);
    });
    it('asks for the type when a number default cannot tell integer from double', () => {
      const store = storeWith();
      throwsParameterError(
        () => store.declare('rate_hz', 30),
        /parameter 'rate_hz' of node '\/fast_pathway': the default 30 does not tell the type; pass \{ type: 'integer' or 'double' \}/,
      );
      throwsParameterError(() => store.declare('ids', [1, 2]), /does not tell the type; pass \{ type: the array type/);
      throwsParameterError(() => store.declare('empty', []), /does not tell the type/);
      assert.equal(store.declare('rate_hz', 30, { type: 'double' }), 30);
      assert.equal(store.describe('rate_hz').type, 'double');
      assert.deepEqual(store.declare('ids', [1, 2], { type: 'integer_array' }), [1, 2]);
      assert.deepEqual(store.declare('empty', [], { type: 'string_array' }), []);
    });
    it('rejects a default that does not fit the declared type', () => {
      const store = storeWith();
      throwsParameterError(() => store.declare('n', 1.5, { type: 'integer' }), /expected integer, got double 1\.5 \(default\)/);
      throwsParameterError(() => store.declare('s', 'x', { type: 'bool' }), /expected bool, got string "x" \(default\)/);
      throwsParameterError(
        () => store.declare('a', [1, 'x'] as unknown as number[], { type: 'double_array' }),
        /expected double_array, got mixed array/,
      );
    });
    it('fills the descriptor', () => {
      const store = storeWith();
      store.declare('mode', 'sim', { description: 'where to run', choices: ['sim', 'real'], additionalConstraints: 'sim or real' });
      assert.deepEqual(store.describe('mode'), {
        type: 'string',
        description: 'where to run',
        readOnly: false,
        choices: ['sim', 'real'],
        additionalConstraints: 'sim or real',
      });
    });
    it('refuses a second declaration and empty names', () => {
      const store = storeWith();
      store.declare('x', 1, { type: 'integer' });
      throwsParameterError(() => store.declare('x', 2, { type: 'integer' }), "parameter 'x' of node '/fast_pathway' is already declared");
      throwsParameterError(() => store.declare('', 1, { type: 'integer' }), /must not be empty/);
    });
    it('refuses ranges and choices that do not apply', () => {
      const store = storeWith();
      throwsParameterError(
        () => store.declare('s', 'a', { range: { from: 0, to: 1 } }),
        /a range only applies to integer and double parameters, not string/,
      );
      throwsParameterError(() => store.declare('d', 0.5, { choices: ['a'] }), /choices only apply to string parameters, not double/);
      throwsParameterError(() => store.declare('r', 0.5, { range: { from: 1, to: 0 } }), /invalid range/);
      throwsParameterError(() => store.declare('i', 1, { type: 'integer', range: { from: 0, to: 10, step: 0.5 } }), /invalid range/);
    });
  });

  describe('declare: overrides', () => {
    it('applies an override of the same type', () => {
      const store = storeWith([override('model', 'string', 'octo'), override('steps', 'integer', 8)]);
      assert.equal(store.declare('model', 'pi0'), 'octo');
      assert.equal(store.declare('steps', 4, { type: 'integer' }), 8);
    });
    it('converts an integer override for a double parameter (YAML `rate_hz: 30`)', () => {
      const store = storeWith([override('rate_hz', 'integer', 30), override('gains', 'integer_array', [1, 2])]);
      assert.equal(store.declare('rate_hz', 10, { type: 'double' }), 30);
      assert.equal(store.describe('rate_hz').type, 'double');
      assert.deepEqual(store.declare('gains', [0.5, 0.5]), [1, 2]);
      assert.equal(store.describe('gains').type, 'double_array');
    });
    it('rejects any other mismatch, naming the source', () => {
      const store = storeWith([
        override('rate_hz', 'string', 'fast'),
        override('steps', 'double', 8.5, '-p'),
        override('enabled', 'integer', 1),
        override('names', 'integer_array', [1]),
      ]);
      throwsParameterError(
        () => store.declare('rate_hz', 10, { type: 'double' }),
        `parameter 'rate_hz' of node '/fast_pathway': expected double, got string "fast" (from config/x.yaml)`,
      );
      throwsParameterError(() => store.declare('steps', 4, { type: 'integer' }), /expected integer, got double 8\.5 \(from -p\)/);
      throwsParameterError(() => store.declare('enabled', false), /expected bool, got integer 1 \(from config\/x\.yaml\)/);
      throwsParameterError(() => store.declare('names', ['a']), /expected string_array, got integer_array \[1\]/);
      assert.equal(store.has('rate_hz'), false);
    });
    it('checks the range and choices of the override', () => {
      const store = storeWith([override('rate_hz', 'double', 500), override('mode', 'string', 'robot')]);
      throwsParameterError(
        () => store.declare('rate_hz', 10, { type: 'double', range: { from: 1, to: 100 } }),
        `parameter 'rate_hz' of node '/fast_pathway': 500 is outside the range [1, 100] (from config/x.yaml)`,
      );
      throwsParameterError(
        () => store.declare('mode', 'sim', { choices: ['sim', 'real'] }),
        /"robot" is not one of "sim", "real" \(from config\/x\.yaml\)/,
      );
      throwsParameterError(
        () => store.declare('gain', 5.5, { range: { from: 0, to: 1 } }),
        /5\.5 is outside the range \[0, 1\] \(from default\)/,
      );
    });
    it('gives read-only parameters their override', () => {
      const store = storeWith([override('robot_ip', 'string', '10.0.0.2')]);
      assert.equal(store.declare('robot_ip', '127.0.0.1', { readOnly: true }), '10.0.0.2');
    });
  });

  describe('declareRequired', () => {
    it('takes the value from an override', () => {
      const store = storeWith([override('robot_ip', 'string', '10.0.0.2'), override('rate_hz', 'integer', 30)]);
      assert.equal(store.declareRequired('robot_ip', { type: 'string' }), '10.0.0.2');
      assert.equal(store.declareRequired('rate_hz', { type: 'double', range: { from: 1, to: 100 } }), 30);
    });
    it('says how to provide a missing value', () => {
      const store = storeWith();
      throwsParameterError(
        () => store.declareRequired('robot_ip', { type: 'string' }),
        "parameter 'robot_ip' of node '/fast_pathway' is required but was not given: pass --ros-args -p robot_ip:=<text>, " +
          "or set it in a params file (--params-file) under '/fast_pathway: ros__parameters: robot_ip'",
      );
      throwsParameterError(() => store.declareRequired('rate_hz', { type: 'double' }), /-p rate_hz:=<double, e\.g\. 1\.5>/);
      assert.equal(store.has('robot_ip'), false);
    });
    it('type-checks the override', () => {
      const store = storeWith([override('robot_ip', 'integer', 10)]);
      throwsParameterError(
        () => store.declareRequired('robot_ip', { type: 'string' }),
        /expected string, got integer 10 \(from config\/x\.yaml\)/,
      );
    });
  });

  describe('reading', () => {
    it('gets values with typed getters and refuses the wrong ones', () => {
      const store = storeWith();
      store.declare('rate_hz', 30, { type: 'double' });
      store.declare('steps', 4, { type: 'integer' });
      store.declare('model', 'pi0');
      store.declare('enabled', true);
      store.declare('names', ['a']);
      store.declare('gains', [1, 2], { type: 'double_array' });
      assert.equal(store.getNumber('rate_hz'), 30);
      assert.equal(store.getNumber('steps'), 4);
      assert.equal(store.getString('model'), 'pi0');
      assert.equal(store.getBool('enabled'), true);
      assert.deepEqual(store.getStringArray('names'), ['a']);
      assert.deepEqual(store.getNumberArray('gains'), [1, 2]);
      throwsParameterError(() => store.getNumber('model'), "parameter 'model' of node '/fast_pathway' is string, not a number");
      throwsParameterError(() => store.getString('rate_hz'), /is double, not a string/);
      throwsParameterError(() => store.getBool('names'), /is string_array, not a bool/);
      throwsParameterError(() => store.getStringArray('gains'), /is double_array, not a string array/);
      throwsParameterError(() => store.getNumberArray('names'), /is string_array, not a number array/);
    });
    it('refuses undeclared names with a suggestion', () => {
      const store = storeWith();
      store.declare('rate_hz', 30, { type: 'double' });
      assert.equal(store.has('rate_hz'), true);
      assert.equal(store.has('rate'), false);
      throwsParameterError(
        () => store.get('rate_h'),
        "parameter 'rate_h' of node '/fast_pathway' is not declared (did you mean 'rate_hz'?)",
      );
      throwsParameterError(() => store.describe('zzz'), "parameter 'zzz' of node '/fast_pathway' is not declared");
    });
    it('hands out copies', () => {
      const store = storeWith();
      store.declare('names', ['a']);
      (store.get('names') as string[]).push('b');
      store.getStringArray('names').push('c');
      store.describe('names').type = 'string';
      assert.deepEqual(store.get('names'), ['a']);
      assert.equal(store.describe('names').type, 'string_array');
    });
  });

  describe('set / setMany', () => {
    function robotStore(): ParameterStore {
      const store = storeWith();
      store.declare('rate_hz', 30, { type: 'double', range: { from: 1, to: 100 } });
      store.declare('steps', 4, { type: 'integer', range: { from: 0, to: 10, step: 2 } });
      store.declare('mode', 'sim', { choices: ['sim', 'real'] });
      store.declare('robot_ip', '127.0.0.1', { readOnly: true });
      store.declare('gains', [1, 2], { type: 'double_array' });
      return store;
    }
    it('sets valid values, widening integers for doubles', () => {
      const store = robotStore();
      assert.deepEqual(store.set('rate_hz', 50), { successful: true, reason: '' });
      assert.deepEqual(store.set('rate_hz', 60, 'integer'), { successful: true, reason: '' });
      assert.equal(store.getNumber('rate_hz'), 60);
      assert.equal(store.set('gains', [3, 4], 'integer_array').successful, true);
      assert.equal(store.set('mode', 'real').successful, true);
      assert.equal(store.set('steps', 6).successful, true);
      assert.deepEqual([store.get('gains'), store.get('mode'), store.get('steps')], [[3, 4], 'real', 6]);
    });
    const refusals: [string, ParameterValue, ParameterType | undefined, RegExp][] = [
      ['nope', 1, undefined, /parameter 'nope' of node '\/fast_pathway' is not declared/],
      ['robot_ip', '10.0.0.2', undefined, /parameter 'robot_ip' of node '\/fast_pathway' is read-only/],
      ['rate_hz', 'fast', undefined, /parameter 'rate_hz' of node '\/fast_pathway': expected double, got string "fast"/],
      ['rate_hz', 'fast', 'string', /expected double, got string "fast"/],
      ['rate_hz', 30.5, 'integer', /expected double, got integer 30\.5/],
      ['steps', 4.5, undefined, /expected integer, got double 4\.5/],
      ['steps', 4, 'double', /expected integer, got double 4/],
      ['steps', 5, undefined, /5 is not on a step of the range \[0, 10\] in steps of 2/],
      ['steps', 12, undefined, /12 is outside the range/],
      ['rate_hz', 0.5, undefined, /0\.5 is outside the range \[1, 100\]/],
      ['mode', 'robot', undefined, /"robot" is not one of "sim", "real"/],
      ['gains', ['a'], undefined, /expected double_array, got string_array/],
    ];
    for (const [name, value, type, reason] of refusals) {
      it(`refuses ${name} = ${JSON.stringify(value)}${type === undefined ? '' : ` as ${type}`}`, () => {
        const store = robotStore();
        const before = store.get(name === 'nope' ? 'rate_hz' : name);
        const result = store.set(name, value, type);
        assert.equal(result.successful, false);
        assert.match(result.reason, reason);
        assert.deepEqual(store.get(name === 'nope' ? 'rate_hz' : name), before);
      });
    }
    it('accepts range bounds exactly and doubles within 100 ULP of a step (rclcpp rules)', () => {
      const store = storeWith();
      store.declare('i', 0, { type: 'integer', range: { from: 0, to: 9, step: 2 } });
      assert.equal(store.set('i', 9).successful, true, 'the upper bound is always valid');
      assert.equal(store.set('i', 7).successful, false);
      store.declare('d', 0, { type: 'double', range: { from: 0, to: 1, step: 0.1 } });
      assert.equal(store.set('d', 0.3).successful, true, '0.30000000000000004 is on the step');
      assert.equal(store.set('d', 1.0000000000000002).successful, true);
      assert.equal(store.set('d', 0.35).successful, false);
      assert.equal(store.set('d', -0.1).successful, false);
      assert.equal(store.set('d', NaN).successful, false);
    });
    it('setMany is atomic', () => {
      const store = robotStore();
      const result = store.setMany([
        { name: 'rate_hz', value: 50 },
        { name: 'mode', value: 'robot' },
      ]);
      assert.equal(result.successful, false);
      assert.match(result.reason, /mode/);
      assert.equal(store.getNumber('rate_hz'), 30);
      assert.deepEqual(store.setMany([]), { successful: true, reason: '' });
    });
  });

  describe('callbacks', () => {
    it('runs every validator on the whole batch, then applies and notifies', () => {
      const store = storeWith();
      store.declare('rate_hz', 30, { type: 'double' });
      store.declare('steps', 4, { type: 'integer' });
      const validated: ParameterChange[][] = [];
      const changed: ParameterChange[][] = [];
      store.onValidate((changes) => {
        validated.push([...changes]);
        return { successful: true, reason: '' };
      });
      store.onValidate(() => ({ successful: true, reason: '' }));
      store.onChanged((changes) => changed.push([...changes]));
      const result = store.setMany([
        { name: 'rate_hz', value: 50, type: 'integer' },
        { name: 'steps', value: 6 },
      ]);
      assert.deepEqual(result, { successful: true, reason: '' });
      const expected = [
        { name: 'rate_hz', type: 'double', value: 50 },
        { name: 'steps', type: 'integer', value: 6 },
      ];
      assert.deepEqual(validated, [expected]);
      assert.deepEqual(changed, [expected]);
    });
    it('a rejecting validator stops the change and gives its reason', () => {
      const store = storeWith();
      store.declare('rate_hz', 30, { type: 'double' });
      const changed: ParameterChange[][] = [];
      store.onChanged((changes) => changed.push([...changes]));
      const unsubscribe = store.onValidate((changes) =>
        changes.some((c) => c.name === 'rate_hz' && (c.value as number) > 60)
          ? { successful: false, reason: 'the camera runs at 60 Hz at most' }
          : { successful: true, reason: '' },
      );
      const result = store.set('rate_hz', 90);
      assert.equal(result.successful, false);
      assert.equal(result.reason, "node '/fast_pathway' rejected 'rate_hz': the camera runs at 60 Hz at most");
      assert.equal(store.getNumber('rate_hz'), 30);
      assert.deepEqual(changed, []);
      unsubscribe();
      unsubscribe();
      assert.equal(store.set('rate_hz', 90).successful, true);
    });
    it('a throwing validator counts as a rejection', () => {
      const store = storeWith();
      store.declare('x', 1, { type: 'integer' });
      store.onValidate(() => {
        throw new Error('boom');
      });
      const result = store.set('x', 2);
      assert.equal(result.successful, false);
      assert.match(result.reason, /validation callback threw: boom/);
      assert.equal(store.get('x'), 1);
    });
    it('validators and listeners also run on declare (as rclcpp does)', () => {
      const store = storeWith([override('rate_hz', 'double', 90)]);
      const changed: string[] = [];
      store.onChanged((changes) => changed.push(...changes.map((c) => `${c.name}=${String(c.value)}`)));
      store.onValidate((changes) =>
        changes.some((c) => (c.value as number) > 60) ? { successful: false, reason: 'too fast' } : { successful: true, reason: '' },
      );
      throwsParameterError(
        () => store.declare('rate_hz', 30, { type: 'double' }),
        "node '/fast_pathway' rejected 'rate_hz': too fast (from config/x.yaml)",
      );
      assert.equal(store.has('rate_hz'), false);
      store.declare('gain', 0.5);
      assert.deepEqual(changed, ['gain=0.5']);
    });
    it('unsubscribed listeners are not told; listener errors surface after all ran', () => {
      const store = storeWith();
      store.declare('x', 1, { type: 'integer' });
      const seen: number[] = [];
      const unsubscribe = store.onChanged(() => seen.push(1));
      store.onChanged(() => {
        throw new Error('listener failed');
      });
      store.onChanged(() => seen.push(3));
      assert.throws(() => store.set('x', 2), /listener failed/);
      assert.equal(store.get('x'), 2, 'the change was applied before listeners ran');
      assert.deepEqual(seen, [1, 3]);
      unsubscribe();
      assert.throws(() => store.set('x', 3), /listener failed/);
      assert.deepEqual(seen, [1, 3, 3]);
    });
    it('listeners get copies', () => {
      const store = storeWith();
      store.declare('names', ['a']);
      store.onChanged((changes) => (changes[0].value as string[]).push('mutated'));
      store.set('names', ['b']);
      assert.deepEqual(store.get('names'), ['b']);
    });
  });

  describe('deferOverrideProblems', () => {
    it('keeps every bad override (type, range, choices) with its source and goes on with the defaults', () => {
      const store = storeWith([
        override('rate_hz', 'string', 'abc', '-p'),
        override('max_age', 'double', -3, '-p'),
        override('rule', 'string', 'rtcc', '-p'),
        override('ok', 'integer', 7, '-p'),
      ]);
      store.deferOverrideProblems();
      assert.equal(store.declare('rate_hz', 30, { type: 'double' }), 30);
      assert.equal(store.declare('max_age', 0.5, { range: { from: 0.01, to: 60 } }), 0.5);
      assert.equal(store.declare('rule', 'rtc', { choices: ['rtc', 'latest_only'] }), 'rtc');
      assert.equal(store.declare('ok', 1, { type: 'integer' }), 7);
      assert.deepEqual(store.overrideProblems(), [
        `parameter 'rate_hz' of node '${NODE}': expected double, got string "abc" (from -p)`,
        `parameter 'max_age' of node '${NODE}': -3 is outside the range [0.01, 60] (from -p)`,
        `parameter 'rule' of node '${NODE}': "rtcc" is not one of "rtc", "latest_only" (from -p)`,
      ]);
    });
    it('without it the first bad override throws, as before', () => {
      const store = storeWith([override('rate_hz', 'string', 'abc', '-p')]);
      throwsParameterError(() => store.declare('rate_hz', 30, { type: 'double' }), /expected double, got string "abc"/);
      assert.deepEqual(store.overrideProblems(), []);
    });
  });

  describe('unusedOverrides', () => {
    it('lists node-specific overrides never declared, with suggestions', () => {
      const store = storeWith(
        [
          override('rat_hz', 'double', 30),
          override('kp', 'double', 1, '-p'),
          override('totally_unrelated', 'integer', 1),
          override('model', 'string', 'octo'),
          override('use_sim_time', 'bool', true),
        ],
        ['rat_hz', 'kp', 'totally_unrelated', 'model'],
      );
      store.declare('rate_hz', 10, { type: 'double' });
      store.declare('gains.kp', 0.5);
      store.declare('model', 'pi0');
      assert.deepEqual(store.unusedOverrides(), [
        "'rat_hz' (from config/x.yaml): did you mean 'rate_hz'?",
        "'kp' (from -p): did you mean 'gains.kp'?",
        "'totally_unrelated' (from config/x.yaml)",
      ]);
      assert.deepEqual(store.unusedOverrideDetails()[0], { name: 'rat_hz', source: FILE, suggestion: 'rate_hz' });
    });
    it('counts names the node declares elsewhere (alsoDeclared) as declared and as suggestions', () => {
      const store = storeWith(
        [override('rate_hz', 'double', 2, '-p'), override('merge_rul', 'string', 'rtc', '-p')],
        ['rate_hz', 'merge_rul'],
      );
      store.declare('policy_bundle', 'reference');
      assert.deepEqual(store.unusedOverrides(['rate_hz', 'merge_rule']), ["'merge_rul' (from -p): did you mean 'merge_rule'?"]);
    });
    it('is empty when everything meant for the node was declared', () => {
      const store = storeWith([override('a', 'integer', 1), override('shared', 'bool', true)], ['a']);
      store.declare('a', 0, { type: 'integer' });
      assert.deepEqual(store.unusedOverrides(), []);
    });
  });
});
