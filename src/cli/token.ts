import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { parseEnvironment } from '../config/app-config';
import { signToken } from '../auth/jwt';
import type { Principal } from '../auth/principal';
import { resolveJwtSecret } from '../config/jwt-secret';

/**
 * Mints a token for local use, signed with AUTH_JWT_SECRET (or the key kept in DATA_DIR):
 *   npm run token -- --role resident --sub r-123
 *   npm run token -- --role merchant --merchant <merchantId>
 * A bureau token is not minted here: it names a session stored on the server, which the API
 * re-reads on every request, so it comes from POST /api/v1/auth/login (npm start prints the
 * passwords of the first admin and of the demo staff).
 */

function main(): void {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      merchant: { type: 'string' },
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
      principal = { role: 'merchant', merchantId };
      break;
    }
    case 'bureau':
      throw new Error('bureau tokens name a server-side session: sign in with POST /api/v1/auth/login instead');
    default:
      throw new Error('--role must be resident or merchant');
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
