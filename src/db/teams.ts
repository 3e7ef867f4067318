// One typed function per statement in sql/queries/teams.
import { one, query, type Tx } from './index.ts';
import type { Audit, UserRow } from './users.ts';

/** A team as the API shows it (team_json, sql/migrations/0005_teams.sql). */
export interface TeamDoc {
  id: string; name: string; description: string; is_active: boolean; members_count: number; created_at: string; updated_at: string;
}

export const getTeam = async (db: Tx, id: string) => (await one<{ doc: TeamDoc }>(db, 'teams/get_team', [id]))?.doc;

export const listTeams = (db: Tx, f: { is_active: boolean | null; after: string | null; limit: number }) =>
  query<{ seq: string; doc: TeamDoc }>(db, 'teams/list_teams', [f.is_active, f.after, f.limit]);

export const insertTeam = async (db: Tx, t: { name: string; description: string }, actor: string | null, audit: Audit) =>
  (await one<{ doc: TeamDoc }>(db, 'teams/insert_team', [t.name, t.description, actor, ...audit]))!.doc;

export const updateTeam = async (db: Tx, id: string, t: { name?: string; description?: string; is_active?: boolean }, actor: string | null, audit: Audit) =>
  (await one<{ doc: TeamDoc }>(db, 'teams/update_team', [id, t.name ?? null, t.description ?? null, t.is_active ?? null, actor, ...audit]))?.doc;

export const listTeamMembers = (db: Tx, id: string, f: { after: string | null; limit: number }) =>
  query<UserRow & { seq: string }>(db, 'teams/list_team_members', [id, f.after, f.limit]);

/** True when the user was added now (false: a member already). */
export const addTeamMember = async (db: Tx, team: string, user: string, actor: string | null, audit: Audit) =>
  (await query(db, 'teams/add_team_member', [team, user, actor, ...audit])).length > 0;

/** True when the user was a member and is no more. */
export const removeTeamMember = async (db: Tx, team: string, user: string, actor: string | null, audit: Audit) =>
  (await query(db, 'teams/remove_team_member', [team, user, actor, ...audit])).length > 0;

export const countOpenWork = async (db: Tx, team: string, user: string) =>
  (await one<{ n: number }>(db, 'teams/count_open_work', [team, user]))!.n;

export const getTeamByName = async (db: Tx, name: string) => (await one<{ doc: TeamDoc }>(db, 'teams/get_team_by_name', [name]))?.doc;
