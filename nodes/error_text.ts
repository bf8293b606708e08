// How a thrown value reads in a log line or an error message: anything can be thrown, and only
// an Error has a message (and a stack).

/** The message of a thrown value: `err.message` for an Error, `String(err)` for anything else. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Like errorText, with the stack where there is one: for errors nobody expected (a bug to find). */
export function errorTextWithStack(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
