// One typed function per statement in sql/queries/audit.
import { query, type Tx } from './index.ts';

export interface AuditRow {
  seq: string; id: string; actor_id: string | null; actor_name: string | null; action: string;
  entity_type: string; entity_id: string; changes: Record<string, [unknown, unknown]>;
  request_id: string | null; ip: string | null; user_agent: string | null; created_at: Date;
}

/** Planned per call: which of its filters are on decides the index. */
export const listAuditLogs = (db: Tx, f: {
  actor: string | null; entityType: string | null; entityId: string | null; action: string | null;
  since: string | null; until: string | null; after: string | null; limit: number;
}) => query<AuditRow>(db, 'audit/list_audit_logs', [f.actor, f.entityType, f.entityId, f.action, f.since, f.until, f.after, f.limit], true);
