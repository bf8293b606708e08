// The backends the port's contract tests run against. Each provides nodes in two places
// ("here" and "peer": the same domain, another linked domain, or another rcl node) and a
// way to let time pass (virtual advance, or a real wait).

import { MessageChannel } from 'node:worker_threads';
import { EmbeddedBackend, rosEnvironment, type RosBackend } from '../../../nodes/ros/backend.js';
import { EmbeddedDomain } from '../../../nodes/ros/embedded/domain.js';
import { PortLink } from '../../../nodes/ros/embedded/link_protocol.js';
import type { LogRecord } from '../../../nodes/ros/logger.js';
import type { RosNode } from '../../../nodes/ros/node.js';
import type { NodeConfig } from '../../../nodes/ros/node_config.js';
import type { ParamsFileSection } from '../../../nodes/ros/params_file.js';
import type { RemapRule } from '../../../nodes/ros/remap.js';
import { VirtualTimeBase } from '../../../nodes/ros/time_base.js';

export interface NodeSpec {
  name: string;
  namespace?: string;
  remaps?: RemapRule[];
  parameterSections?: ParamsFileSection[];
}

export interface ContractBackend {
  readonly name: string;
  /** True when time is virtual: waits are exact and instantaneous. */
  readonly virtual: boolean;
  /** Log records of the embedded backends (rclnodejs logs through rcl instead). */
  readonly logs: LogRecord[];
  node(spec: NodeSpec): Promise<RosNode>;
  /** A node in the other domain / process side. */
  peer(spec: NodeSpec): Promise<RosNode>;
  /** Lets `seconds` pass. */
  sleep(seconds: number): Promise<void>;
  /** Waits until `cond` holds, up to `timeoutSec`; returns whether it held. */
  until(cond: () => boolean, timeoutSec?: number): Promise<boolean>;
  /** Awaits `work`, letting (virtual) time pass while it is pending. */
  drive<T>(work: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function configOf(spec: NodeSpec): NodeConfig {
  return {
    name: spec.name,
    namespace: spec.namespace ?? '/',
    remaps: spec.remaps ?? [],
    parameterSections: spec.parameterSections ?? [],
    logLevel: 'debug',
    rosArgv: [],
  };
}

const realSleep = (s: number) => new Promise<void>((r) => setTimeout(r, s * 1000));

async function realUntil(cond: () => boolean, timeoutSec: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSec * 1000;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await realSleep(0.005);
  }
  return true;
}

/** All nodes in one domain on virtual time: exact and deterministic. */
export function embeddedVirtual(): ContractBackend {
  const logs: LogRecord[] = [];
  const time = new VirtualTimeBase(1000);
  const backend = new EmbeddedBackend({ time, logSink: (r) => logs.push(r) });
  return {
    name: 'embedded (virtual time)',
    virtual: true,
    logs,
    node: (spec) => backend.createNode(configOf(spec)),
    peer: (spec) => backend.createNode(configOf(spec)),
    sleep: (s) => time.advanceBy(s),
    async until(cond, timeoutSec = 2) {
      const end = time.now() + timeoutSec;
      while (!cond()) {
        if (time.now() >= end) return false;
        await time.advanceBy(0.001);
      }
      return true;
    },
    async drive<T>(work: Promise<T>): Promise<T> {
      let settled = false;
      const mark = () => {
        settled = true;
      };
      work.then(mark, mark); // also marks a rejection as handled while time is driven
      for (let i = 0; i < 10_000 && !settled; i++) await time.advanceBy(0.001);
      return work;
    },
    close: () => backend.shutdown(),
  };
}

/** Two domains joined by a MessagePort link, as the launcher joins node threads: wall time. */
export function embeddedLinked(): ContractBackend {
  const logs: LogRecord[] = [];
  const sink = (r: LogRecord) => logs.push(r);
  const a = new EmbeddedDomain({ tag: 'a', logSink: sink });
  const b = new EmbeddedDomain({ tag: 'b', logSink: sink });
  const channel = new MessageChannel();
  const linkA = new PortLink(channel.port1);
  const linkB = new PortLink(channel.port2);
  a.connect(linkA);
  b.connect(linkB);
  const here = new EmbeddedBackend(a);
  const there = new EmbeddedBackend(b);
  return {
    name: 'embedded (linked domains, wall time)',
    virtual: false,
    logs,
    node: (spec) => here.createNode(configOf(spec)),
    peer: (spec) => there.createNode(configOf(spec)),
    sleep: realSleep,
    until: (cond, t = 2) => realUntil(cond, t),
    drive: (work) => work,
    async close() {
      await here.shutdown();
      await there.shutdown();
      a.disconnect(linkA);
      b.disconnect(linkB);
    },
  };
}

let rclBackend: Promise<RosBackend> | undefined;

/** Why the rclnodejs backend cannot run here, or undefined when it can. */
export function rclnodejsUnavailable(): string | undefined {
  if (!rosEnvironment().sourced) return 'ROS 2 is not sourced (source /opt/ros/<distro>/setup.bash to run these against rclnodejs)';
  return undefined;
}

/** Real ROS 2 through rclnodejs (one rcl context per test process). */
export function rclnodejs(): ContractBackend {
  rclBackend ??= import('../../../nodes/ros/rclnodejs/rclnodejs_backend.js').then((m) => m.RclnodejsBackend.create([]));
  const created: RosNode[] = [];
  const make = async (spec: NodeSpec) => {
    const node = await (await rclBackend!).createNode(configOf(spec));
    created.push(node);
    return node;
  };
  return {
    name: 'rclnodejs (ROS 2)',
    virtual: false,
    logs: [],
    node: make,
    peer: make,
    sleep: realSleep,
    until: (cond, t = 3) => realUntil(cond, t),
    drive: (work) => work,
    close() {
      for (const n of created) n.destroy();
      return Promise.resolve();
    },
  };
}

/** Shuts rcl down after the last contract suite (no-op when it never started). */
export async function shutdownRclnodejs(): Promise<void> {
  if (rclBackend === undefined) return;
  await (await rclBackend).shutdown();
  rclBackend = undefined;
}
