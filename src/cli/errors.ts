/**
 * Every failure the CLI reports, with the exit code it maps to: 1 the API or the operation failed,
 * 2 the command line was wrong, 3 the server could not be reached.
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** Machine code shown in brackets (the API's `error` field where there is one). */
    readonly code: string | null,
    readonly exitCode: 1 | 2 | 3,
  ) {
    super(message);
    this.name = 'CliError';
  }

  /** What to do about it, printed on its own line after the error. */
  hint: string | null = null;
}

/** Gives an error a next step to print with it; the error is returned for `throw withHint(…)`. */
export function withHint<E extends CliError>(error: E, hint: string | null): E {
  if (hint) error.hint = hint;
  return error;
}

/** The server answered with an error envelope (or something that is not an envelope at all). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message, code, 1);
    this.name = 'ApiError';
  }
}

/** The command line asks for something impossible; nothing was sent. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, null, 2);
    this.name = 'UsageError';
  }
}

/** No answer at all: refused, DNS, timeout. Says where it tried and how to get a server running. */
export class ConnectionError extends CliError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `cannot reach the gpufleet server at ${url} (${reason}). Start one with \`npm start\` (or \`gpufleet serve\`), ` +
        'or point --url / GPUFLEET_URL at a running server',
      'UNREACHABLE',
      3,
    );
    this.name = 'ConnectionError';
  }
}

/** An operation the CLI ran (a job, a lookup) did not succeed. */
export const operationFailed = (code: string, message: string) => new CliError(message, code, 1);
