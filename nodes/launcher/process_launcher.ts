// Runs a launch description as one process per node (`vla-ros run <exec> --ros-args ...`),
// the way ros2 launch does; used with the rclnodejs backend when ROS 2 is sourced but
// launch_ros is not wanted. Inline parameters go to temporary params files, as in launch_ros.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packagePath } from '../package_paths.js';
import type { LaunchDescription } from './launch_description.js';
import { rosArgvFromAction } from './node_action_config.js';
import { planNodes } from './node_plan.js';
import { LaunchError } from './launch_errors.js';

export class ProcessLaunch {
  private readonly children: ChildProcess[] = [];
  private stopping = false;

  private constructor(private readonly paramsDir: string) {}

  static async start(description: LaunchDescription): Promise<ProcessLaunch> {
    const launch = new ProcessLaunch(fs.mkdtempSync(path.join(os.tmpdir(), 'vla_ros_launch_')));
    const cli = packagePath('tools', 'vla-ros.js');
    // Every node is checked (package, executable, parameters, names) before the first one starts.
    const plan = await planNodes(description, { logLevel: 'info', managed: false, otherPackages: 'run other packages with ros2 launch' });
    const contained = plan.find((p) => p.container !== undefined);
    if (contained?.container !== undefined) {
      throw new LaunchError(
        `${contained.container.action.origin}: a <node_container> under ROS 2 runs with ros2 launch (which loads its nodes over LoadNode), or with vla-ros launch --backend embedded`,
      );
    }
    for (const { action, defaultName } of plan) {
      const argv = rosArgvFromAction(action, defaultName, launch.paramsDir);
      const spawnOne = (): void => {
        const child = spawn(process.execPath, [cli, 'run', action.exec, '--backend', 'rclnodejs', ...argv], { stdio: 'inherit' });
        launch.children.push(child);
        child.on('exit', (code, signal) => {
          if (launch.stopping) return;
          process.stderr.write(`[ERROR] [launch]: ${action.exec} exited (${signal ?? code})\n`);
          if (action.respawn) setTimeout(spawnOne, action.respawnDelay * 1000);
        });
      };
      spawnOne();
    }
    return launch;
  }

  async stop(timeoutSec = 5): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), timeoutSec * 1000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.kill('SIGINT');
          }),
      ),
    );
    fs.rmSync(this.paramsDir, { recursive: true, force: true });
  }
}
