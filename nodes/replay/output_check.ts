// A replay that plays camera frames and joint states into the suite and gets no action chunk or
// no controller target back has exercised nothing: its outputs prove nothing, and a golden made
// from them would pass forever. `vla-ros replay` refuses such a run (exit 1, this reason) unless
// --allow-empty, and so does --save-golden.

export interface TopicCount {
  topic: string;
  type: string;
  count: number;
}

const CAMERA_TYPES: readonly string[] = ['sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage'];
const JOINT_STATE = 'sensor_msgs/msg/JointState';
const ACTION_CHUNK = 'vla_ros_msgs/msg/ActionChunk';
/** The controller bridge's outputs: target_pose (pose interface) or target_joint (joint interface). */
const TARGET_TYPES: readonly string[] = ['geometry_msgs/msg/PoseStamped', JOINT_STATE];

/**
 * Why the suite's outputs are empty although it got camera and joint inputs; undefined when the
 * run produced chunks and targets, or when the inputs hold no camera or no joint topic.
 * `inputs` are the topics played into the suite (as published, after remapping); `outputs` what
 * was recorded from the suite, which includes the replayed inputs — those are not outputs.
 */
export function emptyOutputProblem(inputs: readonly TopicCount[], outputs: readonly TopicCount[]): string | undefined {
  const frames = inputs.filter((t) => CAMERA_TYPES.includes(t.type)).reduce((n, t) => n + t.count, 0);
  const joints = inputs.filter((t) => t.type === JOINT_STATE).reduce((n, t) => n + t.count, 0);
  if (frames === 0 || joints === 0) return undefined;
  const played = new Set(inputs.map((t) => t.topic));
  const own = outputs.filter((t) => !played.has(t.topic));
  const chunks = own.filter((t) => t.type === ACTION_CHUNK).reduce((n, t) => n + t.count, 0);
  const targets = own.filter((t) => TARGET_TYPES.includes(t.type)).reduce((n, t) => n + t.count, 0);
  const missing = [
    chunks === 0 ? 'no action chunk' : undefined,
    targets === 0 ? 'no controller target (target_pose / target_joint)' : undefined,
  ].filter((x): x is string => x !== undefined);
  if (missing.length === 0) return undefined;
  return (
    `the suite published ${missing.join(' and ')} although ${frames} camera frame(s) and ${joints} joint state(s) were played into it: ` +
    'the replay exercised nothing (see the suite warnings above; pass --allow-empty to accept empty outputs)'
  );
}
