// One typed function per statement in sql/queries/sla.
import { one, query, type Tx } from './index.ts';
import type { SlaPolicy } from '../sla/schemas.ts';
import type { Audit } from './users.ts';

export interface PolicyRow { version: string; policy: SlaPolicy }

export const getSlaPolicy = async (db: Tx) => (await one<PolicyRow>(db, 'sla/get_sla_policy'))!;

/** The policy in force after the put: the new version, or the old one when nothing changed. */
export const putSlaPolicy = async (db: Tx, policy: SlaPolicy, actor: string | null, audit: Audit) =>
  (await one<PolicyRow>(db, 'sla/put_sla_policy', [policy, actor, ...audit]))!;

/** Whether PostgreSQL knows this time zone (it computes the due times in it). */
export async function timeZoneKnown(db: Tx, name: string): Promise<boolean> {
  try {
    await one(db, 'sla/time_zone_known', [name]);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === '22023') return false;
    throw err;
  }
}

export interface FiredTimer { kind: 'warning' | 'breached'; metric: 'first_response' | 'resolution'; priority: string }

/** Fires up to `limit` timers due at `now` (the service's clock), each with its event. */
export const fireSlaTimers = (db: Tx, now: Date, limit: number) => query<FiredTimer>(db, 'sla/fire_sla_timers', [now, limit]);
