// One JSON object per line on stdout. Callers pass facts, never headers or bodies,
// so no key or secret can reach the log.
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

let threshold: number = LEVELS.info;

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

function write(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
  if (LEVELS[level] < threshold) return;
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
}

/**
 * An error as operators need it: name, message, SQLSTATE, constraint. Never the stack
 * (it names our files and lines to whoever reads the logs), the query or its parameters.
 */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const e = err as Error & { code?: string; constraint_name?: string };
  return { error: e.message, error_name: e.name, error_code: e.code, constraint: e.constraint_name };
}

/** Whether a line at this level would be written (to skip building it on the hot path). */
export const enabled = (level: Exclude<LogLevel, 'silent'>) => LEVELS[level] >= threshold;

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
