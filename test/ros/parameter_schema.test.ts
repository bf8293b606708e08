// A declared schema gives typed values, declares every parameter with its limits in the store
// (which then validates overrides and sets) and reads values back.

import { strict as assert } from 'node:assert';
import type { ParameterOverride, ParameterType, ParameterValue } from '../../nodes/ros/parameter.js';
import {
  declareParameters,
  param,
  parameterDefaults,
  pickParameters,
  readParameters,
  withDefaults,
} from '../../nodes/ros/parameter_schema.js';
import { ParameterError, ParameterStore } from '../../nodes/ros/parameter_store.js';

const MODES = ['hold', 'alarm_only'] as const;
const SCHEMA = {
  rate_hz: param.double(30, 'Rate [Hz].', { range: [1, 200] }),
  mode: param.choice(MODES, 'hold', 'What to do.', { dynamic: true }),
  names: param.stringArray(['a'], 'Names.'),
  'nested.count': param.integer(3, 'Count.', { range: [0, 10, 1], dynamic: true }),
};

function store(overrides: Record<string, [ParameterType, ParameterValue]> = {}): ParameterStore {
  const map = new Map<string, ParameterOverride>(
    Object.entries(overrides).map(([name, [type, value]]) => [name, { name, type, value, source: 'test.yaml' }]),
  );
  return new ParameterStore('/n', map, new Set(map.keys()));
}

describe('parameter schema', () => {
  it('declares every parameter with its descriptor and returns the typed values', () => {
    const s = store({ rate_hz: ['integer', 50], mode: ['string', 'alarm_only'] });
    const v = declareParameters(s, SCHEMA);
    // Choices narrow: this assignment compiles only because v.mode is 'hold' | 'alarm_only'.
    const mode: (typeof MODES)[number] = v.mode;
    assert.deepEqual({ ...v, mode }, { rate_hz: 50, mode: 'alarm_only', names: ['a'], 'nested.count': 3 });
    assert.deepEqual(s.names(), ['mode', 'names', 'nested.count', 'rate_hz']);
    assert.deepEqual(s.describe('rate_hz'), { type: 'double', description: 'Rate [Hz].', readOnly: true, range: { from: 1, to: 200 } });
    assert.deepEqual(s.describe('mode').choices, ['hold', 'alarm_only']);
    assert.equal(s.describe('mode').readOnly, false);
    assert.equal(s.describe('nested.count').range?.step, 1);
  });

  it('refuses an override that does not fit, with one line naming the parameter and its source', () => {
    assert.throws(
      () => declareParameters(store({ rate_hz: ['double', 500] }), SCHEMA),
      (err: unknown) =>
        err instanceof ParameterError && /'rate_hz'.*500 is outside the range \[1, 200\] \(from test.yaml\)/.test(err.message),
    );
    assert.throws(() => declareParameters(store({ mode: ['string', 'run'] }), SCHEMA), /"run" is not one of "hold", "alarm_only"/);
  });

  it('parameters are read-only unless dynamic; dynamic ones are validated on set', () => {
    const s = store();
    declareParameters(s, SCHEMA);
    assert.match(s.set('rate_hz', 40).reason, /is read-only/);
    assert.match(s.set('mode', 'panic').reason, /"panic" is not one of/);
    assert.equal(s.set('mode', 'alarm_only').successful, true);
    assert.equal(readParameters(s, SCHEMA).mode, 'alarm_only');
  });

  it('reads values back with pending changes applied first', () => {
    const s = store();
    declareParameters(s, SCHEMA);
    const v = readParameters(s, SCHEMA, [{ name: 'nested.count', type: 'integer', value: 7 }]);
    assert.equal(v['nested.count'], 7);
    assert.equal(s.get('nested.count'), 3);
  });

  it('defaults, picked subsets and replaced defaults keep the shared specs', () => {
    assert.equal(parameterDefaults(SCHEMA).rate_hz, 30);
    const picked = pickParameters(SCHEMA, ['mode', 'rate_hz']);
    assert.deepEqual(Object.keys(picked), ['mode', 'rate_hz']);
    assert.equal(picked.mode, SCHEMA.mode);
    const other = withDefaults(SCHEMA, { rate_hz: 60 });
    assert.equal(other.rate_hz.default, 60);
    assert.equal(other.rate_hz.description, SCHEMA.rate_hz.description);
    assert.equal(SCHEMA.rate_hz.default, 30);
    assert.throws(() => withDefaults(SCHEMA, { nope: 1 } as never), /no parameter 'nope'/);
  });
});
