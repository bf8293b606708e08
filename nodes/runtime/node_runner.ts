// Starts and stops one node on a backend: create, check that every parameter meant for it
// exists (a typo in a YAML file is an error, not a silently ignored value; every problem of the
// overrides is reported at once, see ParameterOverrideError), and drive
// managed nodes to active when `autostart` is true (as a Nav2 lifecycle manager would); a node
// that cannot run without its configure (NodeInstance.refusal) then refuses the start.

import type { RosBackend } from '../ros/backend.js';
import type { NodeConfig } from '../ros/node_config.js';
import type { RosNode } from '../ros/node.js';
import { ParameterError } from '../ros/parameter_store.js';
import type { NodeDefinition, NodeInstance } from './node_definition.js';
import { declareParameters } from '../ros/parameter_schema.js';
import { declaredParameters, RUNNER_PARAMETERS } from './parameter_help.js';
import { errorText } from '../error_text.js';

export interface RunningNode {
  readonly node: RosNode;
  readonly instance: NodeInstance;
  /** Deactivates and shuts down a managed node, disposes it and destroys its entities. */
  stop(): Promise<void>;
}

/**
 * Overrides (-p, params files, launch parameters) the node cannot take: unknown names, wrong
 * types, out of range, not a choice. Bad usage, reported all at once, one line each.
 */
export class ParameterOverrideError extends ParameterError {
  override name = 'ParameterOverrideError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export async function startNode(definition: NodeDefinition, backend: RosBackend, config: NodeConfig): Promise<RunningNode> {
  const node = await backend.createNode(config);
  let instance: NodeInstance | undefined;
  try {
    // Every override problem is collected, not thrown at the first: a typo must not hide behind
    // the error it causes (a robot file not found, say) or behind another typo.
    node.parameters.deferOverrideProblems();
    const { autostart } = declareParameters(node.parameters, RUNNER_PARAMETERS);
    let createError: unknown;
    try {
      instance = await definition.create(node);
    } catch (err) {
      createError = err;
    }
    let unknown = node.parameters.unusedOverrides();
    if (createError !== undefined && unknown.length > 0) {
      // A create() that stopped half-way had not declared everything: the names the node
      // declares without overrides count too, so a valid override is not called unknown.
      unknown = node.parameters.unusedOverrides(declaredParameters(definition).parameters.map((p) => p.name));
    }
    const problems = [
      ...unknown.map((u) => `node ${node.fullyQualifiedName} (${definition.exec}) has no parameter ${u}`),
      ...node.parameters.overrideProblems(),
    ];
    if (problems.length > 0) {
      await instance?.dispose?.();
      if (createError !== undefined) problems.push(`also: ${errorText(createError)}`);
      problems.push(`\`vla-ros run ${definition.exec} --help-params\` lists the parameters it declares.`);
      throw new ParameterOverrideError(problems);
    }
    if (instance === undefined) throw createError;
    if (instance.lifecycle !== undefined && autostart) {
      for (const step of ['configure', 'activate'] as const) {
        const outcome = await instance.lifecycle.trigger(step);
        const { refusal } = instance;
        if (!outcome.success && refusal !== undefined) {
          await instance.dispose?.();
          throw new Error(refusal);
        }
        if (!outcome.success) {
          node.logger.error(`autostart: ${outcome.message}; the node stays ${outcome.state}`);
          break;
        }
      }
    }
  } catch (err) {
    node.destroy();
    throw err;
  }
  const running = instance;
  let stopped = false;
  return {
    node,
    instance: running,
    async stop() {
      if (stopped) return;
      stopped = true;
      const lc = running.lifecycle;
      if (lc !== undefined && lc.state !== 'finalized') await lc.shutdown();
      await running.dispose?.();
      node.destroy();
    },
  };
}
