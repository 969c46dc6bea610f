import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bureau staff with roles, and server-side sessions (SPEC "Staff and audit"):
 *
 * - bureau_users becomes staff: a display name, one or more staff roles, a status, and
 *   updated_at. The accounts that exist (the first admin from configuration) keep every role.
 * - staff_sessions: one row per login. A bureau token names its session (`sid`); every bureau
 *   request re-reads the session and its staff member, so a logout, a disabled account, a
 *   password change or a role change holds on the very next request, in every API process.
 */
export class StaffAccounts1765600000000 implements MigrationInterface {
  name = 'StaffAccounts1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bureau_users RENAME TO staff`);
    await q.query(`ALTER TABLE staff RENAME CONSTRAINT bureau_users_pkey TO staff_pkey`);
    await q.query(`ALTER TABLE staff RENAME CONSTRAINT bureau_users_username_key TO staff_username_key`);
    await q.query(`
      ALTER TABLE staff
        ADD COLUMN display_name varchar(128),
        ADD COLUMN roles text[] NOT NULL DEFAULT '{admin,operator,finance,auditor}',
        ADD COLUMN status varchar(16) NOT NULL DEFAULT 'active',
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`UPDATE staff SET display_name = username`);
    await q.query(`ALTER TABLE staff ALTER COLUMN display_name SET NOT NULL, ALTER COLUMN roles DROP DEFAULT`);
    await q.query(`
      ALTER TABLE staff
        ADD CONSTRAINT staff_roles_known CHECK (
          cardinality(roles) BETWEEN 1 AND 4 AND roles <@ ARRAY['admin', 'operator', 'finance', 'auditor']::text[]
        ),
        ADD CONSTRAINT staff_status_known CHECK (status IN ('active', 'disabled'))`);

    await q.query(`
      CREATE TABLE staff_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        staff_id uuid NOT NULL REFERENCES staff (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    // Revoking every session of one staff member (password change, disabling) finds them here.
    await q.query(`CREATE INDEX staff_sessions_live_idx ON staff_sessions (staff_id) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE staff_sessions`);
    await q.query(`
      ALTER TABLE staff
        DROP CONSTRAINT staff_status_known,
        DROP CONSTRAINT staff_roles_known,
        DROP COLUMN updated_at,
        DROP COLUMN status,
        DROP COLUMN roles,
        DROP COLUMN display_name`);
    await q.query(`ALTER TABLE staff RENAME CONSTRAINT staff_username_key TO bureau_users_username_key`);
    await q.query(`ALTER TABLE staff RENAME CONSTRAINT staff_pkey TO bureau_users_pkey`);
    await q.query(`ALTER TABLE staff RENAME TO bureau_users`);
  }
}
