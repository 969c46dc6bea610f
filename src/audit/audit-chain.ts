import { createHash } from 'node:crypto';
import { maskAccountNumber } from '../common/masking';
import type { AuditActor } from './audit.types';

/** The prevHash of the first event: nothing came before it. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Fields that never enter the log, compared without case, `_` or `-`: a password or key
 * written once into an append-only table could never be taken back out.
 */
const SECRET_FIELDS = new Set([
  'password',
  'passwordhash',
  'currentpassword',
  'newpassword',
  'apikey',
  'apikeyhash',
  'keyhash',
  'key',
  'secret',
  'secrethash',
  'webhooksecret',
  'signingsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'privatekey',
  'signingkey',
]);
const ACCOUNT_NUMBER_FIELDS = new Set(['accountnumber']);

const normalise = (field: string): string => field.replace(/[-_]/g, '').toLowerCase();

/**
 * A before/after snapshot as the log keeps it: secrets removed and account numbers masked
 * at any depth, and reduced to plain JSON (Dates become ISO text, undefined disappears), so
 * what is hashed is exactly what PostgreSQL's jsonb gives back later.
 */
export function sanitiseSnapshot(snapshot: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (snapshot === null || snapshot === undefined) return null;
  const plain = JSON.parse(JSON.stringify(snapshot)) as Record<string, unknown>;
  return scrub(plain) as Record<string, unknown>;
}

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
    const name = normalise(field);
    if (SECRET_FIELDS.has(name)) continue;
    out[field] = ACCOUNT_NUMBER_FIELDS.has(name) && typeof inner === 'string' ? maskAccountNumber(inner) : scrub(inner);
  }
  return out;
}

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
}

/** Everything an event's hash covers: all of it, including its place (seq) and its predecessor. */
export interface ChainedEvent {
  id: string;
  seq: number;
  at: string;
  actor: AuditActor;
  action: string;
  subject: { type: string; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  prevHash: string;
}

/**
 * The event's canonical JSON around the two values only the chain head knows when the event is
 * written, its seq and its predecessor's hash: canonicalJson(event) is exactly
 * `before + prevHash + between + seq + after`. The keys sort as action, actor, after, at,
 * before, id, prevHash, requestId, seq, subject, so the head's two values sit between the
 * event's own fields and its request id and subject. PostgreSQL joins the pieces and hashes
 * them in the statement that takes the next seq (AuditService.record).
 */
export function canonicalJsonAroundHead(event: Omit<ChainedEvent, 'seq' | 'prevHash'>): { before: string; between: string; after: string } {
  const { requestId, subject, ...own } = event;
  const head = canonicalJson(own);
  return {
    before: `${head.slice(0, -1)},"prevHash":"`,
    between: `","requestId":${canonicalJson(requestId)},"seq":`,
    after: `,"subject":${canonicalJson(subject)}}`,
  };
}

/** SHA-256 (lowercase hex) of the event's canonical JSON: the next event's prevHash. */
export function eventHash(event: ChainedEvent): string {
  return createHash('sha256').update(canonicalJson(event), 'utf8').digest('hex');
}
