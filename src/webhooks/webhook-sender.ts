import { lookup, promises as dns } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AttemptResult, forbiddenAddress, hostOf, isNonPublicAddress } from './webhook.rules';

/** Longest error text kept per attempt (the column's varchar). */
const ERROR_MAX_LENGTH = 500;

const refusal = (host: string, address: string): string =>
  `${host} resolves to ${address}, a loopback, private, link-local or unspecified address (set WEBHOOK_ALLOW_PRIVATE=true to allow)`;

/**
 * Why the URL's host may not be sent to, or undefined when it may: every address its name
 * resolves to (dns.lookup, all of them) must be public unless private ones are allowed.
 * Used when an endpoint is saved; delivery checks again at connection time (guardedLookup).
 */
export async function webhookHostProblem(url: URL, allowPrivate: boolean): Promise<string | undefined> {
  if (allowPrivate) return undefined;
  const host = hostOf(url);
  if (isIP(host)) return isNonPublicAddress(host) ? refusal(host, host) : undefined;
  try {
    const addresses = await dns.lookup(host, { all: true, verbatim: true });
    const refused = forbiddenAddress(addresses.map((entry) => entry.address));
    return refused === undefined ? undefined : refusal(host, refused);
  } catch {
    return `${host} does not resolve`;
  }
}

/**
 * A DNS lookup for the HTTP client that refuses non-public addresses: the check applies to
 * the very addresses the connection uses, so a name that changes its answer between the
 * check and the request (DNS rebinding) gains nothing.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const refused = allowPrivate ? undefined : forbiddenAddress(addresses.map((entry) => entry.address));
      if (refused !== undefined) return callback(new Error(refusal(hostname, refused)), '');
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first.address, first.family);
    });
  };
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

export type SentAttempt = AttemptResult & { durationMs: number };

/**
 * POSTs a webhook once and reports the answer's status, or why there was none (time-out,
 * connection refused, an address refused). Redirects are not followed (a 3xx is a failure),
 * so a receiver cannot send the request on to an address it could not name itself. No
 * connection is pooled: receivers are arbitrary hosts.
 */
export function sendWebhook(request: WebhookRequest): Promise<SentAttempt> {
  const started = performance.now();
  const target = new URL(request.url);
  const host = hostOf(target);
  // An address literal is never looked up, so guardedLookup does not see it.
  if (!request.allowPrivate && isIP(host) && isNonPublicAddress(host)) {
    return Promise.resolve({ status: null, error: refusal(host, host), durationMs: 0 });
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, error: error?.slice(0, ERROR_MAX_LENGTH) ?? null, durationMs: Math.round(performance.now() - started) });
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      target,
      {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(request.allowPrivate),
        headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body) },
      },
      (response) => {
        finish(response.statusCode ?? null, null);
        response.resume();
      },
    );
    // finish reads it only from the request's callbacks, which never run before this line.
    const timer = setTimeout(() => outgoing.destroy(new Error(`no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
    outgoing.on('error', (error) => finish(null, error.message));
    outgoing.end(request.body);
  });
}
