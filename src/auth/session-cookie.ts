/**
 * The bureau's browser session for the operations pages (/dashboard, /admin/queues): the
 * login JWT in an HttpOnly, SameSite=Strict cookie. The JSON API itself only accepts
 * Authorization headers, so the cookie cannot be used for cross-site writes.
 */
export const SESSION_COOKIE = 'juhui_session';

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function readSessionCookie(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE && value.length > 0) return value.join('=');
  }
  return undefined;
}
