// A component container for vla_ros's nodes, the way rclcpp_components' component_container
// hosts C++ components: one process, several nodes, loaded over the standard
// ~/_container/{load_node,unload_node,list_nodes} services — so `ros2 launch` loads them from a
// <node_container> with <composable_node> children, and `ros2 component list` shows them.

import type { composition_interfaces } from '../msgs/generated/interfaces.js';
import type { RosBackend } from '../ros/backend.js';
import { fqnOf, type NodeConfig } from '../ros/node_config.js';
import type { RosNode } from '../ros/node.js';
import { loadNodeDefinition, nodeExecutables } from './node_registry.js';
import { startNode, type RunningNode } from '../runtime/node_runner.js';
import { paramsFileProblems } from '../runtime/params_file_check.js';
import { planLoad, type LoadPlan } from './load_node_request.js';
import { errorText } from '../error_text.js';

type LoadResponse = composition_interfaces.srv.LoadNode_Response;

export class ComponentContainer {
  private readonly loaded = new Map<bigint, RunningNode>();
  private nextId = 1n;
  /** Loads and unloads one at a time, in the order asked. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: RosNode,
    private readonly backend: RosBackend,
  ) {
    host.createService('composition_interfaces/srv/LoadNode', '~/_container/load_node', (request) =>
      this.serialized(() => this.load(request)),
    );
    host.createService('composition_interfaces/srv/UnloadNode', '~/_container/unload_node', (request) =>
      this.serialized(() => this.unload(request.unique_id)),
    );
    host.createService('composition_interfaces/srv/ListNodes', '~/_container/list_nodes', () => {
      const entries = [...this.loaded];
      return {
        full_node_names: entries.map(([, r]) => r.node.fullyQualifiedName),
        unique_ids: BigUint64Array.from(entries.map(([id]) => id)),
      };
    });
  }

  /** The nodes loaded now, in load order. */
  get nodes(): RunningNode[] {
    return [...this.loaded.values()];
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async load(request: composition_interfaces.srv.LoadNode_Request): Promise<LoadResponse> {
    const refuse = (error: string): LoadResponse => {
      this.host.logger.error(`cannot load ${request.package_name}/${request.plugin_name} '${request.node_name}': ${error}`);
      return { success: false, error_messsage: error, full_node_name: '', unique_id: 0n };
    };
    const plan = await this.plan(request);
    if (!plan.ok) return refuse(plan.error);
    const fqn = fqnOf(plan.config);
    if (this.nodes.some((r) => r.node.fullyQualifiedName === fqn)) return refuse(`a node named ${fqn} is already loaded`);
    let loaded: { id: bigint; running: RunningNode };
    try {
      loaded = await this.start(plan.exec, plan.config);
    } catch (err) {
      return refuse(errorText(err));
    }
    for (const note of plan.notes) loaded.running.node.logger.info(note);
    return { success: true, error_messsage: '', full_node_name: loaded.running.node.fullyQualifiedName, unique_id: loaded.id };
  }

  /**
   * Loads a node its launcher has planned and checked already (the embedded launcher's
   * `<node_container>`): as a LoadNode request does, without the request. Throws why it cannot.
   */
  add(exec: string, config: NodeConfig): Promise<RunningNode> {
    return this.serialized(async () => (await this.start(exec, config)).running);
  }

  private async start(exec: string, config: NodeConfig): Promise<{ id: bigint; running: RunningNode }> {
    const running = await startNode(await loadNodeDefinition(exec), this.backend, config);
    const id = this.nextId++;
    this.loaded.set(id, running);
    this.host.logger.info(`loaded ${exec} as ${running.node.fullyQualifiedName} (id ${id})`);
    return { id, running };
  }

  /** planLoad, plus the check that every parameter is one some node of the package declares. */
  private async plan(request: composition_interfaces.srv.LoadNode_Request): Promise<LoadPlan> {
    const executables = nodeExecutables();
    const definitions = new Map(await Promise.all(executables.map(async (e) => [e, await loadNodeDefinition(e)] as const)));
    const plan = planLoad(request, {
      executables,
      defaultNameOf: (exec) => definitions.get(exec)?.defaultName ?? exec,
      containerLogLevel: this.host.logger.level,
    });
    if (!plan.ok) return plan;
    const checked = [...definitions.values()].map((d) => ({ name: d.defaultName, parameters: d.parameters }));
    const problems = paramsFileProblems(plan.config.parameterSections, checked, plan.config.namespace);
    return problems.length > 0 ? { ok: false, error: problems.join('; ') } : plan;
  }

  async unload(id: bigint): Promise<composition_interfaces.srv.UnloadNode_Response> {
    const running = this.loaded.get(id);
    if (running === undefined) return { success: false, error_messsage: `no node with id ${id} is loaded` };
    this.loaded.delete(id);
    const fqn = running.node.fullyQualifiedName;
    await running.stop();
    this.host.logger.info(`unloaded ${fqn} (id ${id})`);
    return { success: true, error_messsage: '' };
  }

  /** Stops every loaded node, the last loaded first. */
  async stop(): Promise<void> {
    await this.serialized(async () => {
      for (const id of [...this.loaded.keys()].reverse()) await this.unload(id);
    });
  }
}
