// Launching bringup.launch.xml in tests, where no robot publishes current_pose: the params file
// that makes the controller bridge give up activating after 0.3 s instead of 5 s.

import { packagePath } from '../../nodes/package_paths.js';

/** fixtures/no_robot.params.yaml */
export const NO_ROBOT_PARAMS = packagePath('test', 'launcher', 'fixtures', 'no_robot.params.yaml');

/** The launch argument that passes it: `params_file:=…`. */
export const NO_ROBOT_ARG = `params_file:=${NO_ROBOT_PARAMS}`;
