import { strict as assert } from 'node:assert';
import { formatSection } from '../../bench/bench_table.js';

const cells = (line: string) =>
  line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());

describe('bench tables', () => {
  it('prints a floor and the ratio value / floor beside a measure that has one', () => {
    const lines = formatSection({
      title: 't',
      rows: [
        { name: 'latency p99', value: 6, unit: 'ms', floor: 4, target: '<= 5 ms', pass: false },
        { name: 'parameters', value: 104, unit: 'M' },
      ],
    }).split('\n');
    assert.deepEqual(cells(lines[2]), ['measure', 'value', 'target', '', 'floor', 'ratio', 'note']);
    assert.deepEqual(cells(lines[4]), ['latency p99', '6.00 ms', '<= 5 ms', 'MISS', '4.00 ms', '1.50×', '']);
    assert.deepEqual(cells(lines[5]), ['parameters', '104 M', '', '', '', '', '']);
  });

  it('keeps tables without floors as they were', () => {
    const lines = formatSection({ title: 't', rows: [{ name: 'x', value: 1, unit: 'ms', target: '<= 2 ms', pass: true }] }).split('\n');
    assert.deepEqual(cells(lines[2]), ['measure', 'value', 'target', '', 'note']);
    assert.deepEqual(cells(lines[4]), ['x', '1.00 ms', '<= 2 ms', 'ok', '']);
  });
});
