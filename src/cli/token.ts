import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { parseEnvironment } from '../config/app-config';
import { signToken } from '../auth/jwt';
import { STAFF_ROLES, type Principal, type StaffRole } from '../auth/principal';
import { resolveJwtSecret } from '../runtime/runtime';

/**
 * Mints a token for local use, signed with AUTH_JWT_SECRET (or the key kept in DATA_DIR):
 *   npm run token -- --role resident --sub r-123
 *   npm run token -- --role merchant --merchant <merchantId>
 *   npm run token -- --role bureau --sub admin [--staff-roles finance,auditor]   (default: every staff role)
 */
function parseStaffRoles(list: string): StaffRole[] {
  const roles = list.split(',').map((role) => role.trim());
  const unknown = roles.filter((role) => !(STAFF_ROLES as readonly string[]).includes(role));
  if (unknown.length > 0) throw new Error(`--staff-roles takes ${STAFF_ROLES.join(', ')}; unknown: ${unknown.join(', ')}`);
  return roles as StaffRole[];
}

function main(): void {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      merchant: { type: 'string' },
      'staff-roles': { type: 'string' },
      ttl: { type: 'string', default: '86400' },
    },
  });
  const ttl = Number(values.ttl);
  let principal: Principal;
  switch (values.role ?? '') {
    case 'resident':
      if (!values.sub) throw new Error('--sub <residentId> is required for a resident');
      principal = { role: 'resident', residentId: values.sub };
      break;
    case 'merchant': {
      const merchantId = values.merchant ?? values.sub;
      if (!merchantId) throw new Error('--merchant <merchantId> is required for a merchant');
      principal = { role: 'merchant', merchantId, via: 'jwt' };
      break;
    }
    case 'bureau':
      principal = {
        role: 'bureau',
        userId: values.sub ?? 'local-bureau',
        username: values.sub ?? 'local-bureau',
        staffRoles: values['staff-roles'] ? parseStaffRoles(values['staff-roles']) : STAFF_ROLES,
      };
      break;
    default:
      throw new Error('--role must be resident, merchant or bureau');
  }
  if (!Number.isInteger(ttl) || ttl < 1) throw new Error('--ttl must be a positive number of seconds');
  const env = parseEnvironment(process.env);
  process.stdout.write(`${signToken(principal, resolveJwtSecret(env), ttl)}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
