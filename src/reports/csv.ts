// CSV as RFC 4180 writes it (CRLF, fields quoted when they hold a comma, a quote or a line
// break, quotes doubled), with the spreadsheet formula guard of API.md: a cell that starts
// with =, +, -, @, a tab or a carriage return is prefixed with ' so no spreadsheet runs it.
const FORMULA = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (values: unknown[]) => `${values.map(csvCell).join(',')}\r\n`;

/** The columns of GET /requests.csv, and how each is read from a request's JSON. */
export const REQUEST_COLUMNS: [string, (r: Record<string, any>) => unknown][] = [
  ['public_id', (r) => r.public_id],
  ['id', (r) => r.id],
  ['title', (r) => r.title],
  ['status', (r) => r.status],
  ['priority', (r) => r.priority],
  ['team', (r) => r.team?.name],
  ['created_by', (r) => r.created_by?.full_name],
  ['assignee', (r) => r.assignee?.full_name],
  ['created_at', (r) => r.created_at],
  ['updated_at', (r) => r.updated_at],
  ['resolved_at', (r) => r.resolved_at],
  ['description', (r) => r.description],
];
