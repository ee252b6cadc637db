/**
 * An error a user can act on. The API turns it into `{success:false, error: code, message}` with `status`;
 * the CLI prints `message` and exits non-zero. Anything that is not an AppError is a bug and becomes a 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra machine-readable detail (e.g. the placement attempts of a depleted order). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) => new AppError(404, 'NOT_FOUND', `${what} ${id} was not found`);
export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, details);
export const forbidden = (message: string) => new AppError(403, 'FORBIDDEN', message);
