// Node logging: rcutils' console format, severity filtering, and the throttled / once-only
// variants, which run on the node's clock (so on virtual time in tests).
import { strict as assert } from 'node:assert';
import { NodeLogger, consoleLogSink, formatLogRecord, loggerNameFor, type LogRecord } from '../../nodes/ros/logger.js';

function makeLogger(level: NodeLogger['level'] = 'info') {
  const records: LogRecord[] = [];
  const clock = { t: 100 };
  const logger = new NodeLogger(
    'fr3.bridge',
    () => clock.t,
    (r) => records.push(r),
    level,
  );
  const lines = () => records.map((r) => `${r.level} ${r.message}`);
  return { logger, records, clock, lines };
}

describe('formatLogRecord', () => {
  it("formats as rcutils' console output: [LEVEL] [sec.nanosec] [name]: message", () => {
    assert.equal(
      formatLogRecord({ level: 'info', name: 'fr3.bridge', time: 12.5, message: 'ready' }),
      '[INFO] [12.500000000] [fr3.bridge]: ready',
    );
  });

  it('pads nanoseconds to 9 digits', () => {
    const f = (time: number) => formatLogRecord({ level: 'info', name: 'n', time, message: 'm' });
    assert.equal(f(100), '[INFO] [100.000000000] [n]: m');
    assert.equal(f(7.000000001), '[INFO] [7.000000001] [n]: m');
    assert.equal(f(7.00012), '[INFO] [7.000120000] [n]: m');
    assert.equal(f(0), '[INFO] [0.000000000] [n]: m');
    assert.equal(f(1700000000.25), '[INFO] [1700000000.250000000] [n]: m');
  });

  it('upper-cases every severity', () => {
    const levels = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
    assert.deepEqual(
      levels.map((level) => formatLogRecord({ level, name: 'x', time: 1, message: 'y' })),
      [
        '[DEBUG] [1.000000000] [x]: y',
        '[INFO] [1.000000000] [x]: y',
        '[WARN] [1.000000000] [x]: y',
        '[ERROR] [1.000000000] [x]: y',
        '[FATAL] [1.000000000] [x]: y',
      ],
    );
  });

  it('keeps the message as it is (multi-line, colons, brackets)', () => {
    assert.equal(
      formatLogRecord({ level: 'error', name: 'a.b', time: 2.25, message: 'x: [1]\nstack' }),
      '[ERROR] [2.250000000] [a.b]: x: [1]\nstack',
    );
  });
});

describe('consoleLogSink', () => {
  it('writes info and below to stdout, warn and above to stderr, one line each', () => {
    const out: string[] = [];
    const err: string[] = [];
    type Writable = { write: (chunk: string) => boolean };
    const stdout = process.stdout as unknown as Writable;
    const stderr = process.stderr as unknown as Writable;
    const stdoutWrite = stdout.write;
    const stderrWrite = stderr.write;
    stdout.write = (chunk) => out.push(chunk) > 0;
    stderr.write = (chunk) => err.push(chunk) > 0;
    try {
      consoleLogSink({ level: 'debug', name: 'n', time: 1, message: 'd' });
      consoleLogSink({ level: 'info', name: 'n', time: 1, message: 'i' });
      consoleLogSink({ level: 'warn', name: 'n', time: 1, message: 'w' });
      consoleLogSink({ level: 'fatal', name: 'n', time: 1, message: 'f' });
    } finally {
      stdout.write = stdoutWrite;
      stderr.write = stderrWrite;
    }
    assert.deepEqual(out, ['[DEBUG] [1.000000000] [n]: d\n', '[INFO] [1.000000000] [n]: i\n']);
    assert.deepEqual(err, ['[WARN] [1.000000000] [n]: w\n', '[FATAL] [1.000000000] [n]: f\n']);
  });
});

describe('NodeLogger', () => {
  it('stamps records with its name and the supplied clock', () => {
    const { logger, records, clock } = makeLogger();
    logger.info('one');
    clock.t = 123.25;
    logger.error('two');
    assert.deepEqual(records, [
      { level: 'info', name: 'fr3.bridge', time: 100, message: 'one' },
      { level: 'error', name: 'fr3.bridge', time: 123.25, message: 'two' },
    ]);
    assert.equal(logger.name, 'fr3.bridge');
  });

  it('drops records below its level, and follows level changes', () => {
    const { logger, lines } = makeLogger('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    assert.deepEqual(lines(), ['warn w', 'error e', 'fatal f']);
    assert.deepEqual(
      (['debug', 'info', 'warn', 'error', 'fatal'] as const).map((l) => logger.isEnabled(l)),
      [false, false, true, true, true],
    );
    logger.level = 'debug';
    logger.debug('d2');
    logger.level = 'fatal';
    logger.error('e2');
    logger.fatal('f2');
    assert.deepEqual(lines(), ['warn w', 'error e', 'fatal f', 'debug d2', 'fatal f2']);
  });

  it('defaults to info', () => {
    const logger = new NodeLogger(
      'n',
      () => 0,
      () => {},
    );
    assert.equal(logger.level, 'info');
    assert.equal(logger.isEnabled('debug'), false);
    assert.equal(logger.isEnabled('info'), true);
  });

  it('throttles per key on the supplied clock', () => {
    const { logger, records, clock } = makeLogger();
    const at = (t: number, message: string, key?: string) => {
      clock.t = t;
      logger.throttle('warn', 1, message, key);
    };
    at(100, 'camera stale');
    at(100.5, 'camera stale');
    at(100.999, 'camera stale');
    at(100.2, 'joint limit'); // another key: its own budget
    at(101, 'camera stale'); // exactly one period later: logs again
    at(101.5, 'camera stale');
    at(102.5, 'camera stale');
    assert.deepEqual(
      records.map((r) => [r.time, r.message]),
      [
        [100, 'camera stale'],
        [100.2, 'joint limit'],
        [101, 'camera stale'],
        [102.5, 'camera stale'],
      ],
    );
    assert.ok(records.every((r) => r.level === 'warn'));
  });

  it('throttles messages with different texts together when they share a key', () => {
    const { logger, records, clock } = makeLogger();
    clock.t = 10;
    logger.throttle('error', 2, 'age 0.31 s', 'age');
    clock.t = 11;
    logger.throttle('error', 2, 'age 0.52 s', 'age');
    clock.t = 12;
    logger.throttle('error', 2, 'age 0.93 s', 'age');
    assert.deepEqual(
      records.map((r) => r.message),
      ['age 0.31 s', 'age 0.93 s'],
    );
  });

  it('logs a throttled message again at once when the clock goes backwards (bag loop)', () => {
    const { logger, records, clock } = makeLogger();
    clock.t = 50;
    logger.throttle('info', 5, 'x');
    clock.t = 20;
    logger.throttle('info', 5, 'x');
    clock.t = 21;
    logger.throttle('info', 5, 'x');
    assert.deepEqual(
      records.map((r) => r.time),
      [50, 20],
    );
  });

  it('does not spend the throttle budget on a disabled severity', () => {
    const { logger, records, clock } = makeLogger('warn');
    logger.throttle('info', 10, 'x');
    logger.level = 'info';
    clock.t = 101;
    logger.throttle('info', 10, 'x');
    assert.deepEqual(
      records.map((r) => r.time),
      [101],
    );
  });

  it('once() logs only the first time a key is seen', () => {
    const { logger, lines } = makeLogger();
    logger.once('warn', 'no camera info');
    logger.once('warn', 'no camera info');
    logger.once('error', 'fallback to defaults (a)', 'fallback');
    logger.once('error', 'fallback to defaults (b)', 'fallback');
    logger.once('info', 'no camera info (other key)');
    assert.deepEqual(lines(), ['warn no camera info', 'error fallback to defaults (a)', 'info no camera info (other key)']);
  });
});

describe('loggerNameFor', () => {
  it("joins the namespace tokens and node name with dots, as rcl names a node's logger", () => {
    assert.equal(loggerNameFor('/', 'talker'), 'talker');
    assert.equal(loggerNameFor('', 'talker'), 'talker');
    assert.equal(loggerNameFor('/fr3', 'controller_bridge'), 'fr3.controller_bridge');
    assert.equal(loggerNameFor('/robot/arm', 'bridge'), 'robot.arm.bridge');
    assert.equal(loggerNameFor('/robot/arm/', 'bridge'), 'robot.arm.bridge');
  });
});
