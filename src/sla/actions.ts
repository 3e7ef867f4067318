// The SLA policy operations every way in calls: (db, actor, input, audit) → the policy.
// No HTTP. Changing the policy is audited and emits no event (API.md, "Events and webhooks").
import { getSlaPolicy, putSlaPolicy, timeZoneKnown } from '../db/sla.ts';
import type { Tx } from '../db/index.ts';
import type { Audit } from '../db/users.ts';
import { fail } from '../errors.ts';
import type { Actor } from '../users/keys.ts';
import { policyView, type SlaPolicy } from './schemas.ts';

/** Anyone may read the policy (what the clocks on their requests mean); only an ADMIN changes it. */
export const mayChangePolicy = (actor: Actor) => actor.role === 'ADMIN';

export async function findPolicy(db: Tx): Promise<SlaPolicy> {
  return policyView((await getSlaPolicy(db)).policy);
}

/** Puts `input` (parsed with SlaPolicySchema) in force for requests filed from now on. */
export async function setPolicy(db: Tx, actor: Actor, input: SlaPolicy, audit: Audit): Promise<SlaPolicy> {
  if (!(await timeZoneKnown(db, input.timezone))) {
    fail('validation_failed', `the database does not know the time zone ${input.timezone}`, [{ path: 'timezone', message: 'is not a time zone the database knows' }]);
  }
  if (!mayChangePolicy(actor)) fail('forbidden', 'only an ADMIN may change the SLA policy');
  return policyView((await putSlaPolicy(db, input, actor.id, audit)).policy);
}
