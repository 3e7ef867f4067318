// One typed function per statement in sql/queries/events.
import { one, query, type Tx } from './index.ts';

export interface EventRow {
  seq: string; xid: string; id: string; type: string; created_at: Date;
  actor_id: string | null; actor_name: string | null; data: Record<string, unknown>;
}

export const listEvents = (db: Tx, f: { afterXid: string | null; afterSeq: string | null; types: string[] | null; since: string | null; limit: number }) =>
  query<EventRow>(db, 'events/list_events', [f.afterXid, f.afterSeq, f.types, f.since, f.limit]);

export const purgeEvents = (db: Tx, days: number) => query(db, 'events/purge_events', [days]);

export interface Position { xid: string; seq: string }

export const getEventPosition = (db: Tx, id: string) => one<Position>(db, 'events/get_event_position', [id]);

export const latestEventPosition = (db: Tx) => one<Position>(db, 'events/latest_event_position');
