/** Documented exit codes (also in `siglume-webhooks --help`). */
export const EXIT = {
  OK: 0,
  /** The endpoint refused the delivery, deliver gave up, or verify found the signature invalid. */
  FAILED: 1,
  /** Bad usage or input: unknown command or kind, invalid JSON file, missing secret. */
  USAGE: 2,
  /** The endpoint could not be reached at all (send). */
  UNREACHABLE: 3,
} as const;

/** An expected failure: printed as one line, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
  }
}
