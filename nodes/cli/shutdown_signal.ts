// Resolves on the first SIGINT/SIGTERM (Ctrl-C, or ros2 launch stopping the process), or
// after `durationSec` when given. A second Ctrl-C exits at once, as users expect.

export function waitForShutdown(durationSec?: number): Promise<string> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (why: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer !== undefined) clearTimeout(timer);
      process.once('SIGINT', () => {
        process.stderr.write('second interrupt: exiting now\n');
        process.exit(130);
      });
      resolve(why);
    };
    const onInt = () => finish('SIGINT');
    const onTerm = () => finish('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (durationSec !== undefined) timer = setTimeout(() => finish(`duration ${durationSec} s elapsed`), durationSec * 1000);
  });
}
