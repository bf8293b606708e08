// The component container: LoadNode requests as launch_ros builds them (parameters flattened from
// the params files, remaps, extra arguments) start our nodes in one process; every bad request is
// refused with one line and the container keeps serving; ListNodes / UnloadNode as in rclcpp.

import { strict as assert } from 'node:assert';
import { rcl_interfaces, type composition_interfaces } from '../../nodes/msgs/generated/interfaces.js';
import { ComponentContainer } from '../../nodes/launcher/component_container.js';
import { overrideFromParameter, planLoad } from '../../nodes/launcher/load_node_request.js';
import { packagePath } from '../../nodes/package_paths.js';
import { EmbeddedBackend } from '../../nodes/ros/backend.js';
import type { RosNode } from '../../nodes/ros/node.js';
import { toolNodeConfig } from '../../nodes/ros/node_config.js';
import type { ParameterOverride } from '../../nodes/ros/parameter.js';
import { RCL_PARAMETER_TYPE, toRclValue } from '../../nodes/ros/parameter_message.js';
import { loadParamsFile } from '../../nodes/ros/params_file.js';
import { VirtualTimeBase } from '../../nodes/ros/time_base.js';

type Request = composition_interfaces.srv.LoadNode_Request;

/** An override as launch_ros sends it (rcl_interfaces/Parameter). */
function parameterMsg(o: Pick<ParameterOverride, 'name' | 'type' | 'value'>): rcl_interfaces.msg.Parameter {
  const value: rcl_interfaces.msg.ParameterValue = {
    type: RCL_PARAMETER_TYPE[o.type],
    bool_value: false,
    integer_value: 0n,
    double_value: 0,
    string_value: '',
    byte_array_value: new Uint8Array(),
    bool_array_value: [],
    integer_array_value: new BigInt64Array(),
    double_array_value: new Float64Array(),
    string_array_value: [],
  };
  // The message's arrays are typed where rclnodejs's are plain.
  const raw = toRclValue(o.type, o.value);
  const field =
    o.type === 'integer_array'
      ? BigInt64Array.from(raw as bigint[])
      : o.type === 'double_array'
        ? Float64Array.from(raw as number[])
        : o.type === 'byte_array'
          ? Uint8Array.from(raw as number[])
          : raw;
  return { name: o.name, value: { ...value, [`${o.type}_value`]: field } };
}

/** The robot file's parameters, flattened as launch_ros does for a composable node. */
const FR3 = loadParamsFile(packagePath('config', 'robots', 'fr3.yaml')).flatMap((s) => s.params.map(parameterMsg));

function request(plugin: string, name: string, parameters: rcl_interfaces.msg.Parameter[] = [], extra: Partial<Request> = {}): Request {
  return {
    package_name: 'vla_ros',
    plugin_name: plugin,
    node_name: name,
    node_namespace: '/fr3',
    log_level: 0,
    remap_rules: [],
    parameters,
    extra_arguments: [],
    ...extra,
  };
}

const CONTEXT = {
  executables: ['controller_bridge', 'episode_manager', 'fast_pathway'],
  defaultNameOf: (e: string) => e,
  containerLogLevel: 'info' as const,
};

describe('LoadNode requests (planLoad)', () => {
  it('takes name, namespace, remaps, log level and parameters from the request; the container command line does not apply', () => {
    const plan = planLoad(
      request('controller_bridge', 'bridge', [parameterMsg({ name: 'publish_rate_hz', type: 'double', value: 100 })], {
        remap_rules: ['target_pose:=/crisp/target_pose'],
        log_level: rcl_interfaces.msg.Log.WARN,
      }),
      CONTEXT,
    );
    assert.ok(plan.ok);
    assert.equal(plan.exec, 'controller_bridge');
    assert.deepEqual(
      { ...plan.config, parameterSections: plan.config.parameterSections.map((s) => ({ ...s, params: s.params.map((p) => p.name) })) },
      {
        name: 'bridge',
        namespace: '/fr3',
        remaps: [{ from: 'target_pose', to: '/crisp/target_pose' }],
        parameterSections: [{ nodePattern: '/**', params: ['publish_rate_hz'] }],
        logLevel: 'warn',
        rosArgv: [],
        useGlobalArguments: false,
      },
    );
  });

  it('uses the default name, the root namespace and the container log level when the request leaves them empty', () => {
    const plan = planLoad(request('episode_manager', '', [], { node_namespace: '' }), { ...CONTEXT, defaultNameOf: () => 'manager' });
    assert.ok(plan.ok);
    assert.deepEqual([plan.config.name, plan.config.namespace, plan.config.logLevel], ['manager', '/', 'info']);
  });

  it('refuses another package, an unknown plugin (naming the near one), a bad severity, name, remap or extra argument', () => {
    const errors = [
      request('episode_manager', 'm', [], { package_name: 'rclcpp_components' }),
      request('vla_ros::FastPathway', 'f'),
      request('episode_manager', 'm', [], { log_level: 7 }),
      request('episode_manager', 'bad name'),
      request('episode_manager', 'm', [], { remap_rules: ['no_separator'] }),
      request('episode_manager', 'm', [], {
        extra_arguments: [parameterMsg({ name: 'use_intra_proces_comms', type: 'bool', value: true })],
      }),
    ].map((r) => {
      const plan = planLoad(r, CONTEXT);
      assert.ok(!plan.ok);
      return plan.error;
    });
    assert.match(errors[0], /package 'rclcpp_components' is not loadable here: this container loads vla_ros's nodes/);
    assert.match(errors[1], /plugin 'vla_ros::FastPathway' unknown: .*did you mean 'fast_pathway'\?/);
    assert.match(errors[2], /log_level 7 is not an rcl_interfaces\/Log severity/);
    assert.match(errors[3], /bad name/);
    assert.match(errors[4], /no_separator/);
    assert.match(errors[5], /extra argument 'use_intra_proces_comms' unknown/);
    for (const e of errors) assert.ok(!e.includes('\n'), e);
  });

  it('accepts use_intra_process_comms with a note that it changes nothing', () => {
    const plan = planLoad(
      request('episode_manager', 'm', [], {
        extra_arguments: [parameterMsg({ name: 'use_intra_process_comms', type: 'bool', value: true })],
      }),
      CONTEXT,
    );
    assert.ok(plan.ok);
    assert.deepEqual(plan.notes, ['use_intra_process_comms has no effect here']);
  });

  it('converts every parameter type and refuses a value without a type or an unsafe integer', () => {
    const cases: Pick<ParameterOverride, 'name' | 'type' | 'value'>[] = [
      { name: 'b', type: 'bool', value: true },
      { name: 'i', type: 'integer', value: -3 },
      { name: 'd', type: 'double', value: 0.25 },
      { name: 's', type: 'string', value: 'x' },
      { name: 'sa', type: 'string_array', value: ['a', 'b'] },
      { name: 'da', type: 'double_array', value: [1.5, 2] },
      { name: 'ia', type: 'integer_array', value: [1, 2] },
    ];
    for (const c of cases) assert.deepEqual(overrideFromParameter(parameterMsg(c), 'here'), { ...c, source: 'here' });
    const unset = { ...parameterMsg({ name: 'n', type: 'bool', value: true }) };
    unset.value = { ...unset.value, type: rcl_interfaces.msg.ParameterType.PARAMETER_NOT_SET };
    assert.throws(() => overrideFromParameter(unset, 'here'), /parameter 'n' has no value/);
    const huge = parameterMsg({ name: 'h', type: 'integer', value: 0 });
    huge.value.integer_value = 2n ** 60n;
    assert.throws(() => overrideFromParameter(huge, 'here'), /parameter 'h': integer 1152921504606846976 is outside the safe range/);
  });
});

describe('ComponentContainer on the embedded backend', () => {
  let backend: EmbeddedBackend;
  let host: RosNode;
  let client: RosNode;
  let container: ComponentContainer;

  beforeEach(async () => {
    backend = new EmbeddedBackend({ time: new VirtualTimeBase(0), logSink: () => {} });
    host = await backend.createNode(toolNodeConfig('vla_container', { namespace: '/fr3' }));
    client = await backend.createNode(toolNodeConfig('launch'));
    container = new ComponentContainer(host, backend);
  });

  afterEach(async () => {
    await container.stop();
    await backend.shutdown();
  });

  const load = (r: Request) =>
    client.createClient('composition_interfaces/srv/LoadNode', '/fr3/vla_container/_container/load_node').call(r);
  const list = () => client.createClient('composition_interfaces/srv/ListNodes', '/fr3/vla_container/_container/list_nodes').call({});
  const unload = (id: bigint) =>
    client.createClient('composition_interfaces/srv/UnloadNode', '/fr3/vla_container/_container/unload_node').call({ unique_id: id });

  it('loads nodes over ~/_container/load_node with their parameters, lists them and unloads them', async () => {
    const manual = parameterMsg({ name: 'autostart', type: 'bool', value: false });
    const rate = parameterMsg({ name: 'publish_rate_hz', type: 'double', value: 100 });
    // launch_ros hands every node the robot file's /** parameters: one the node does not declare is ignored, as rcl does.
    assert.deepEqual(await load(request('episode_manager', 'episode_manager', [...FR3, manual])), {
      success: true,
      error_messsage: '',
      full_node_name: '/fr3/episode_manager',
      unique_id: 1n,
    });
    const bridge = await load(request('controller_bridge', 'controller_bridge', [...FR3, manual, rate]));
    assert.deepEqual([bridge.success, bridge.full_node_name, bridge.unique_id], [true, '/fr3/controller_bridge', 2n]);
    assert.equal(container.nodes[1].node.parameters.getNumber('publish_rate_hz'), 100);
    assert.equal(container.nodes[1].instance.lifecycle?.state, 'unconfigured');
    assert.deepEqual(await list(), {
      full_node_names: ['/fr3/episode_manager', '/fr3/controller_bridge'],
      unique_ids: new BigUint64Array([1n, 2n]),
    });

    assert.deepEqual(await unload(1n), { success: true, error_messsage: '' });
    assert.deepEqual(await unload(1n), { success: false, error_messsage: 'no node with id 1 is loaded' });
    assert.deepEqual((await list()).full_node_names, ['/fr3/controller_bridge']);
    assert.equal(container.nodes[0].node.fullyQualifiedName, '/fr3/controller_bridge');
  });

  it('refuses a typo no node declares, a value that does not fit, a node that fails to start and a duplicate name — and keeps serving', async () => {
    const manual = parameterMsg({ name: 'autostart', type: 'bool', value: false });
    const refusals = [
      await load(
        request('controller_bridge', 'controller_bridge', [
          ...FR3,
          manual,
          parameterMsg({ name: 'merge_rul', type: 'string', value: 'rtc' }),
        ]),
      ),
      await load(
        request('controller_bridge', 'controller_bridge', [
          ...FR3,
          manual,
          parameterMsg({ name: 'merge_rule', type: 'string', value: 'newest' }),
        ]),
      ),
      // No robot parameters: the bridge cannot start.
      await load(request('controller_bridge', 'controller_bridge', [manual])),
    ];
    for (const r of refusals) assert.deepEqual([r.success, r.full_node_name, r.unique_id], [false, '', 0n]);
    assert.match(refusals[0].error_messsage, /'merge_rul' \(from LoadNode controller_bridge\): no node declares it/);
    assert.match(refusals[1].error_messsage, /'merge_rule'.*"newest" is not one of/);
    assert.match(refusals[2].error_messsage, /robot/);
    assert.deepEqual((await list()).full_node_names, []);

    assert.equal((await load(request('episode_manager', 'episode_manager', [manual]))).success, true);
    const twice = await load(request('episode_manager', 'episode_manager', [manual]));
    assert.deepEqual([twice.success, twice.error_messsage], [false, 'a node named /fr3/episode_manager is already loaded']);
    assert.deepEqual((await list()).unique_ids, new BigUint64Array([1n]));
  });
});
