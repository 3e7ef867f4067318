// Every "who may" about teams (API.md, "Teams: routing and confidentiality").
import type { Actor } from '../users/keys.ts';

/** Creating and changing teams and their members: ADMIN only. */
export const mayManageTeams = (actor: Actor) => actor.role === 'ADMIN';

/** Anyone sees active teams (employees pick one when filing); an inactive one only an ADMIN. */
export const maySeeTeam = (actor: Actor, team: { is_active: boolean }) => team.is_active || actor.role === 'ADMIN';

/** The member list: ADMIN, and the team's members. */
export const maySeeMembers = (actor: Actor, teamId: string) => actor.role === 'ADMIN' || actor.teams.includes(teamId);

/** Who may be a member: an active AGENT or ADMIN. */
export const mayBeMember = (u: { role: string; is_active: boolean }) => u.is_active && u.role !== 'EMPLOYEE';
