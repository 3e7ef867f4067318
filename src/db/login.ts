// The server's database login: a role that can log in and is a member of serviceflow_app
// (sql/migrations/0003_roles.sql), named with its password by DATABASE_URL. When the server
// also has a migrator (MIGRATION_DATABASE_URL, or the embedded cluster's superuser) and
// DATABASE_URL cannot log in, the migrator issues that login.
import { one, type Sql, type Tx } from './index.ts';

const LOGIN_FAILED = new Set(['28000', '28P01']); // no such role / not allowed to log in; wrong password

/** Is this the error of a login that does not exist or whose password is wrong? */
export const loginFailed = (err: unknown) => LOGIN_FAILED.has(String((err as { code?: unknown })?.code));

/** Whether the connected role could disable or drop the audit log's triggers. */
export const auditBypass = async (db: Tx) =>
  (await one<{ role: string; can_bypass: boolean }>(db, 'system/audit_bypass'))!;

/**
 * Makes `url`'s user a login in serviceflow_app with `url`'s password, creating it if it is
 * missing. Refuses a superuser or a member of the owner: the server must not run as one.
 */
export async function issueAppLogin(owner: Sql, url: string): Promise<'created' | 'updated'> {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username);
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  if (!user) throw new Error('DATABASE_URL must name its user (postgres://user:password@host/db) for the migrator to create that login');
  const role = await one<{ superuser: boolean; owner: boolean; member: boolean }>(owner, 'system/app_login', [user]);
  if (role && (role.superuser || role.owner)) {
    throw new Error(`DATABASE_URL's user ${user} is a superuser or owns the schema; give the server a login of its own (README, "Database roles")`);
  }
  const ddl = (await one<{ create_role: string; alter_role: string; grant_role: string }>(owner, 'system/app_login_ddl', [user, password]))!;
  if (!role) {
    try {
      await owner.unsafe(ddl.create_role);
      return 'created';
    } catch (err) {
      // Created at the same moment by another server: make it ours below.
      if (!['42710', '23505'].includes(String((err as { code?: unknown }).code))) throw err;
    }
  }
  await owner.unsafe(ddl.alter_role);
  if (!role?.member) await owner.unsafe(ddl.grant_role);
  return 'updated';
}

export interface ServerSettings { statement_timeout: number; lock_timeout: number; idle_in_transaction_session_timeout: number }

/** The statements that make `settings` (and jit = off) the defaults of the login `user` in this database. */
export async function serverSettingsStatements(db: Tx, user: string, settings: ServerSettings): Promise<string[]> {
  const ddl = (await one<Record<keyof ServerSettings | 'jit', string>>(db, 'system/server_settings_ddl', [
    user, settings.statement_timeout, settings.lock_timeout, settings.idle_in_transaction_session_timeout,
  ]))!;
  return Object.values(ddl);
}

/**
 * Writes `settings` as the defaults of the login `user` in this database (ALTER ROLE … IN
 * DATABASE … SET): the sessions it opens from then on start with them. Needs a superuser or
 * CREATEROLE; without, it throws 42501 and the caller says what to run instead.
 */
export async function applyServerSettings(owner: Sql, user: string, settings: ServerSettings): Promise<void> {
  await owner.begin(async (tx) => {
    // Two instances starting at once would update the same catalog row ("tuple concurrently updated").
    await one(tx, 'system/lock_server_settings');
    for (const statement of await serverSettingsStatements(tx, user, settings)) await tx.unsafe(statement);
  });
}

/** The settings that differ between what this session runs with and `wanted`. */
export async function settingsDiffer(db: Tx, wanted: ServerSettings): Promise<Partial<Record<keyof ServerSettings, { wanted: number; actual: number }>>> {
  const actual = (await one<ServerSettings>(db, 'system/server_settings'))!;
  const differ: Partial<Record<keyof ServerSettings, { wanted: number; actual: number }>> = {};
  for (const name of Object.keys(wanted) as (keyof ServerSettings)[]) {
    if (actual[name] !== wanted[name]) differ[name] = { wanted: wanted[name], actual: actual[name] };
  }
  return differ;
}
