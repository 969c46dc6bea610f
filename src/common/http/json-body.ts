import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { DomainError } from '../errors/domain-error';

/** No request of ours nests deeper; a deeper body is an attack on the recursive validators. */
export const MAX_JSON_DEPTH = 32;

function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Parses a JSON body strictly: no prototype poisoning, bounded nesting; an empty body is no body. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw new DomainError('VALIDATION_FAILED', `Body is not valid JSON: ${(error as Error).message}`);
  }
  if (depthExceeds(parsed, MAX_JSON_DEPTH)) throw new DomainError('VALIDATION_FAILED', `Body nests deeper than ${MAX_JSON_DEPTH} levels`);
  return parsed;
}

/**
 * The API speaks JSON only: the JSON parser is ours, and every other content type is
 * answered 415 by Fastify.
 */
export function useJsonOnlyBodies(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done) => {
      try {
        done(null, parseJsonBody(body.toString()));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
