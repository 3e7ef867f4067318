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

/** Planned per call: which filters are on decides the plan (a generic one read the edges' windows last). */
export async function reportSummary(db: Tx, f: SummaryFilter) {
  return (await query<{ summary: Record<string, unknown> }>(db, 'reports/summary', [
    f.from, f.to, f.team, f.noTeam, f.visible.all, f.visible.teams, f.visible.actor, f.tz, f.now,
  ], true))[0].summary;
}

/**
 * Folds up to `batch` deltas into the tallies (fold_tallies.sql) and gives how many it
 * folded, or null when another instance is folding now.
 */
/** The most deltas one fold takes: 1 000 000 took 1.7 s in a review's measure, the statement timeout is 15 s. */
export const FOLD_BATCH = 50_000;

export const foldTallies = (db: Sql, batch = FOLD_BATCH) => db.begin(async (tx) => {
  if (!(await one<{ locked: boolean }>(tx, 'reports/lock_tallies'))!.locked) return null;
  const { moved } = (await one<{ moved: number }>(tx, 'reports/fold_tallies', [batch]))!;
  await query(tx, 'reports/drop_empty_tallies');
  return moved;
});

/** Every tally counted afresh from the requests (make rebuild-tallies); the rows written. */
export const rebuildTallies = async (db: Sql) => Number((await one<{ written: string }>(db, 'reports/rebuild_tallies'))!.written);
