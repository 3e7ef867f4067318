// Time passing for the SLA tests, in the database: a request's clocks as if it had been
// filed `minutes` earlier (for 24×7 policies, where business time is elapsed time).
import type { Sql } from '../src/db/index.ts';

/** Moves a request's times and its pending SLA timers back by `minutes` (as the superuser: the triggers keep these columns otherwise). */
export async function backdate(db: Sql, id: string, minutes: number): Promise<void> {
  const by = `${minutes} minutes`;
  await db.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      update requests set created_at = created_at - ${by}::interval, updated_at = updated_at - ${by}::interval,
        resolved_at = resolved_at - ${by}::interval, first_response_at = first_response_at - ${by}::interval,
        sla_first_response_due_at = sla_first_response_due_at - ${by}::interval,
        sla_first_response_warning_at = sla_first_response_warning_at - ${by}::interval,
        sla_resolution_due_at = sla_resolution_due_at - ${by}::interval,
        sla_resolution_warning_at = sla_resolution_warning_at - ${by}::interval,
        sla_next_due_at = sla_next_due_at - ${by}::interval, sla_next_warning_at = sla_next_warning_at - ${by}::interval
      where id = ${id}`;
    await tx`update sla_timers set fire_at = fire_at - ${by}::interval, due_at = due_at - ${by}::interval where request_id = ${id} and fired_at is null`;
  });
}
