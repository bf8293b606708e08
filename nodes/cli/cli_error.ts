// An error the CLI reports as one clear line and an exit code (2: bad usage, 1: failure).
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
