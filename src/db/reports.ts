// One typed function per statement in sql/queries/reports.
import { one, query, type Sql, type Tx } from './index.ts';
import type { Visibility } from './requests.ts';

export interface RangeBound { value: string; isDate: boolean }

/** A bound that is a date is its first instant in zone `tz`; no `from` is 30 days before `to` (resolve_range.sql). */
export async function resolveRange(db: Tx, from: RangeBound | null, to: RangeBound, tz: string) {
  const r = (await one<{ from_ms: number; to_ms: number }>(db, 'reports/resolve_range', [from?.value ?? null, to.value, tz, from?.isDate ?? false, to.isDate]))!;
  return { from_at: new Date(r.from_ms), to_at: new Date(r.to_ms) };
}

export interface SummaryFilter { from: Date; to: Date; team: string | null; noTeam: boolean; visible: Visibility; tz: string; now: Date }

/** In a transaction: planned per call (which team filter is on decides the plan), as summary_plan.sql sets. */
export async function summarize(tx: Tx, f: SummaryFilter) {
  await query(tx, 'reports/summary_plan', [f.visible.all && f.team === null && !f.noTeam]);
  return (await query<{ summary: Record<string, unknown> }>(tx, 'reports/summary', [
    f.from, f.to, f.team, f.noTeam, f.visible.all, f.visible.teams, f.visible.actor, f.tz, f.now,
  ], true))[0].summary;
}

export const reportSummary = (db: Sql, f: SummaryFilter) => db.begin((tx) => summarize(tx, f));
