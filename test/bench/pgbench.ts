// Turns our .sql files into a pgbench script: each $n becomes a literal, a quoted value,
// or an expression over pgbench variables (:n), so pgbench runs the very statements the
// handlers run.
export type Param = { literal: string } | { value: string } | { expr: string };

// Typed like the parameter the driver would send, so a value used twice (a UNION) keeps its type.
const quote = (s: string) => {
  const literal = `'${s.replace(/'/g, "''")}'`;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return `${literal}::uuid`;
  if (s.startsWith('\\x')) return `${literal}::bytea`;
  return literal;
};

export function pgbenchScript(statements: [sql: string, params: Param[]][], prelude = ''): string {
  const body = statements.map(([sql, params]) => {
    const text = sql.replace(/--.*$/gm, '').replace(/\$(\d+)/g, (_, i) => {
      const p = params[Number(i) - 1];
      if (!p) throw new Error(`no value for $${i}`);
      return 'literal' in p ? p.literal : 'value' in p ? quote(p.value) : p.expr;
    });
    return text.replace(/\s+/g, ' ').trim() + ';';
  });
  return prelude + body.join('\n') + '\n';
}
