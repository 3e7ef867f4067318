// The one place where error codes meet HTTP statuses, and where PostgreSQL errors
// (SQLSTATE + constraint name) become domain errors.

export const ERROR_STATUS = {
  malformed_json: 400,
  invalid_query: 400,
  duplicate_header: 400,
  missing_api_key: 401,
  invalid_api_key: 401,
  forbidden: 403,
  invalid_bootstrap_key: 403,
  bootstrap_closed: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  invalid_status_transition: 409,
  status_is_terminal: 409,
  status_already_set: 409,
  in_progress_requires_assignee: 409,
  email_already_exists: 409,
  last_admin: 409,
  idempotency_key_conflict: 409,
  idempotency_key_in_use: 409,
  team_name_exists: 409,
  member_has_open_requests: 409,
  assignee_not_in_team: 409,
  telegram_not_configured: 409,
  webhook_inactive: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  validation_failed: 422,
  webhook_url_not_allowed: 422,
  too_many_headers: 431,
  rate_limited: 429,
  internal_error: 500,
  database_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 412: 'Precondition Failed',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export interface FieldError { path: string; message: string }

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function fail(code: ErrorCode, message: string, errors?: FieldError[]): never {
  throw new AppError(code, message, errors);
}

export interface Problem {
  type: string; title: string; status: number; detail: string; instance: string;
  code: ErrorCode; request_id: string; errors?: FieldError[];
}

export function problemBody(err: AppError, instance: string, requestId: string): Problem {
  const status = ERROR_STATUS[err.code];
  return {
    type: `/problems/${err.code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: err.message,
    instance,
    code: err.code,
    request_id: requestId,
    ...(err.errors ? { errors: err.errors } : {}),
  };
}

// Constraint names raised by the schema (sql/migrations), mapped to domain errors.
const CONSTRAINTS: Record<string, [ErrorCode, string, FieldError[]?]> = {
  users_email_key: ['email_already_exists', 'a user with this email already exists'],
  requests_status_terminal: ['status_is_terminal', 'the request is closed and cannot change'],
  requests_status_transition: ['invalid_status_transition', 'this status change is not allowed'],
  requests_in_progress_requires_assignee: ['in_progress_requires_assignee', 'a request in progress needs an assignee'],
  teams_name_key: ['team_name_exists', 'a team with this name already exists'],
  team_members_open_requests: ['member_has_open_requests', 'the member is the assignee of open requests of this team'],
  requests_assignee_in_team: ['validation_failed', 'the assignee must be a member of the request\'s team or an ADMIN',
    [{ path: 'assignee_id', message: 'must be a member of the team or an ADMIN' }]],
  attachments_filename_valid: ['validation_failed', 'the filename is not allowed'],
};

// SQLSTATE classes that mean "the database is not there right now", plus the
// client-side codes postgres.js uses for refused or dropped connections.
const UNAVAILABLE = /^(08|53|57P0[1-3]|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EPIPE|CONNECT_TIMEOUT|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED)/;

// Waits that ran out (statement_timeout and cancels 57014, lock_timeout 55P03) and
// transactions PostgreSQL chose to abort (deadlock 40P01, serialization 40001): nothing
// was applied, and the same call may well succeed in a moment.
const BUSY = /^(57014|55P03|40P01|40001)$/;

// Data exceptions: a value PostgreSQL cannot take (out of range, a bad encoding). Input
// validation catches these first (src/validation.ts); this is the backstop, so a value it
// missed is still the caller's 422 and not our 500.
const BAD_VALUE = /^(22003|22007|22008|22021|22P02|22P05|22001)$/;

/** Any thrown value → AppError. Unknown causes become internal_error (and are logged by the caller). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: unknown; constraint_name?: unknown; errno?: unknown };
  const constraint = typeof e?.constraint_name === 'string' ? CONSTRAINTS[e.constraint_name] : undefined;
  if (constraint) return new AppError(constraint[0], constraint[1], constraint[2]);
  if (typeof e?.code === 'string' && UNAVAILABLE.test(e.code)) {
    return new AppError('database_unavailable', 'the database is unavailable; try again shortly', undefined, { 'Retry-After': '1' });
  }
  if (typeof e?.code === 'string' && BUSY.test(e.code)) {
    return new AppError('database_unavailable', 'the database is busy; try again shortly', undefined, { 'Retry-After': '1' });
  }
  if (typeof e?.code === 'string' && BAD_VALUE.test(e.code)) {
    return new AppError('validation_failed', 'a value in this request is out of range or not valid text');
  }
  return new AppError('internal_error', 'an unexpected error occurred');
}
