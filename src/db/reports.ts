// One typed function per statement in sql/queries/reports.
import { one, query, type Sql, type Tx } from './index.ts';
import type { Visibility } from './requests.ts';

export const resolveRange = async (db: Tx, from: string, to: string, tz: string) =>
  (await one<{ from_at: Date; to_at: Date }>(db, 'reports/resolve_range', [from, to, tz]))!;

export interface SummaryFilter { from: Date; to: Date; team: string | null; noTeam: boolean; visible: Visibility; tz: string; now: Date }

/** In a transaction: planned per call (which team filter is on decides the plan), as summary_plan.sql sets. */
export async function summarize(tx: Tx, f: SummaryFilter) {
  await query(tx, 'reports/summary_plan', [f.visible.all]);
  return (await query<{ summary: Record<string, unknown> }>(tx, 'reports/summary', [
    f.from, f.to, f.team, f.noTeam, f.visible.all, f.visible.teams, f.visible.actor, f.tz, f.now,
  ], true))[0].summary;
}

export const reportSummary = (db: Sql, f: SummaryFilter) => db.begin((tx) => summarize(tx, f));
