// A composition_interfaces/LoadNode request — what launch_ros sends a component container for
// each <composable_node> — turned into the node to start and its configuration. ROS-free; the
// container (component_container.ts) serves the request with it.

import { rcl_interfaces, type composition_interfaces } from '../msgs/generated/interfaces.js';
import { normalizeNamespace, parseRemapRule, validateNamespace, validateNodeName } from '../ros/names.js';
import type { NodeConfig } from '../ros/node_config.js';
import type { ParameterOverride } from '../ros/parameter.js';
import { fromRclValue, PARAMETER_TYPE_OF } from '../ros/parameter_message.js';
import type { LogLevel } from '../ros/log_level.js';
import { closestNames } from '../msgs/suggest.js';
import { errorText } from '../error_text.js';

type LoadNodeRequest = composition_interfaces.srv.LoadNode_Request;

/** The package whose plugins this container loads: its node executables. */
export const CONTAINER_PACKAGE = 'vla_ros';

/** The container's executable (and default node name), as rclcpp_components names its own. */
export const CONTAINER_EXEC = 'component_container';

/** rcl_interfaces/Log severities (0: unset, the container's level). */
const LOG_SEVERITIES: Readonly<Record<number, LogLevel>> = {
  [rcl_interfaces.msg.Log.DEBUG]: 'debug',
  [rcl_interfaces.msg.Log.INFO]: 'info',
  [rcl_interfaces.msg.Log.WARN]: 'warn',
  [rcl_interfaces.msg.Log.ERROR]: 'error',
  [rcl_interfaces.msg.Log.FATAL]: 'fatal',
};

/** extra_arguments a container understands; anything else is refused (a typo would go unseen). */
const EXTRA_ARGUMENTS = new Set(['use_intra_process_comms']);

/** Why a container refuses the extra argument `name` (undefined: it understands it). */
export function extraArgumentProblem(name: string): string | undefined {
  return EXTRA_ARGUMENTS.has(name)
    ? undefined
    : `extra argument '${name}' unknown (this container understands: ${[...EXTRA_ARGUMENTS].join(', ')})`;
}

export type LoadPlan = { ok: true; exec: string; config: NodeConfig; notes: string[] } | { ok: false; error: string };

export interface LoadContext {
  /** The node executables of the package (nodeExecutables()). */
  executables: readonly string[];
  defaultNameOf(exec: string): string;
  containerLogLevel: LogLevel;
}

/** One rcl_interfaces/Parameter as a parameter override. Throws on a value without a type or an unsafe integer. */
export function overrideFromParameter(p: rcl_interfaces.msg.Parameter, source: string): ParameterOverride {
  const type = PARAMETER_TYPE_OF[p.value.type];
  if (type === undefined) throw new Error(`parameter '${p.name}' has no value (type ${p.value.type})`);
  // ParameterValue holds one field per type, named `<type>_value`.
  const raw = p.value[`${type}_value`];
  const integers = type === 'integer' ? [raw as bigint] : type === 'integer_array' ? [...(raw as BigInt64Array)] : [];
  const unsafe = integers.find((x) => !Number.isSafeInteger(Number(x)));
  if (unsafe !== undefined) throw new Error(`parameter '${p.name}': integer ${unsafe} is outside the safe range`);
  return { name: p.name, type, value: fromRclValue(type, raw), source };
}

/**
 * What to start for `request`, or why not (one line). The parameters arrive flattened by
 * launch_ros (its `/**` sections and the node's own, merged), so they form a `/**` section here:
 * a name this node does not declare is ignored as rcl would — the container checks separately
 * that some node of the package declares it, so a typo is still refused.
 */
export function planLoad(request: LoadNodeRequest, context: LoadContext): LoadPlan {
  const fail = (error: string): LoadPlan => ({ ok: false, error });
  if (request.package_name !== CONTAINER_PACKAGE) {
    return fail(`package '${request.package_name}' is not loadable here: this container loads ${CONTAINER_PACKAGE}'s nodes`);
  }
  const exec = request.plugin_name;
  if (!context.executables.includes(exec)) {
    // 'vla_ros::FastPathway', the C++ spelling, still finds fast_pathway.
    const [near] = closestNames(exec.replace(/^.*::/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2'), context.executables, 1);
    return fail(
      `plugin '${exec}' unknown: ${CONTAINER_PACKAGE}'s plugins are its node executables (${context.executables.join(', ')})` +
        (near !== undefined ? `; did you mean '${near}'?` : ''),
    );
  }
  const logLevel = request.log_level === 0 ? context.containerLogLevel : LOG_SEVERITIES[request.log_level];
  if (logLevel === undefined) return fail(`log_level ${request.log_level} is not an rcl_interfaces/Log severity (10, 20, 30, 40, 50)`);
  const notes: string[] = [];
  try {
    const name = request.node_name === '' ? context.defaultNameOf(exec) : request.node_name;
    validateNodeName(name);
    const namespace = request.node_namespace === '' ? '/' : request.node_namespace;
    validateNamespace(namespace);
    const remaps = request.remap_rules.map(parseRemapRule);
    const source = `LoadNode ${name}`;
    const params = request.parameters.map((p) => overrideFromParameter(p, source));
    for (const extra of request.extra_arguments) {
      const problem = extraArgumentProblem(extra.name);
      if (problem !== undefined) return fail(problem);
      // Our nodes' messages always go through the middleware: there is no intra-process path to turn on.
      if (overrideFromParameter(extra, source).value === true) notes.push('use_intra_process_comms has no effect here');
    }
    return {
      ok: true,
      exec,
      notes,
      config: {
        name,
        namespace: normalizeNamespace(namespace),
        remaps,
        parameterSections: params.length > 0 ? [{ nodePattern: '/**', params }] : [],
        logLevel,
        rosArgv: [],
        useGlobalArguments: false,
      },
    };
  } catch (err) {
    return fail(errorText(err));
  }
}
