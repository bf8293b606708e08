// The process launcher (one `vla-ros run` per node, rclnodejs): what it refuses before starting anything.

import { strict as assert } from 'node:assert';
import { defaultLaunchContext } from '../../nodes/launcher/launch_context.js';
import { loadLaunchFile } from '../../nodes/launcher/launch_file.js';
import { ProcessLaunch } from '../../nodes/launcher/process_launcher.js';
import { LaunchError } from '../../nodes/launcher/launch_errors.js';
import { packagePath } from '../../nodes/package_paths.js';

describe('ProcessLaunch', () => {
  it('refuses a <node_container> (container:=true) and says where it runs', async () => {
    const description = loadLaunchFile(packagePath('launch', 'bringup.launch.xml'), { container: 'true' }, defaultLaunchContext({}));
    await assert.rejects(ProcessLaunch.start(description), (err: unknown) => {
      assert.ok(err instanceof LaunchError);
      assert.match(
        err.message,
        /^launch\/bringup\.launch\.xml:\d+: a <node_container> under ROS 2 runs with ros2 launch .*--backend embedded/,
      );
      return true;
    });
  });
});
