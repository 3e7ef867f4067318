// One typed function per statement in sql/queries/reports.
import { one, query, type Tx } from './index.ts';
import type { Visibility } from './requests.ts';

export const resolveRange = async (db: Tx, from: string, to: string, tz: string) =>
  (await one<{ from_at: Date; to_at: Date }>(db, 'reports/resolve_range', [from, to, tz]))!;

/** Planned per call: which team filter is on decides the plan. */
export const reportSummary = async (db: Tx, f: { from: Date; to: Date; team: string | null; noTeam: boolean; visible: Visibility; tz: string; now: Date }) =>
  (await query<{ summary: Record<string, unknown> }>(db, 'reports/summary', [
    f.from, f.to, f.team, f.noTeam, f.visible.all, f.visible.teams, f.visible.actor, f.tz, f.now,
  ], true))[0].summary;
