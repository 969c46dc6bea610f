/**
 * The bureau's browser session for the queue board (/admin/queues): the login JWT in an
 * HttpOnly, SameSite=Strict cookie, Secure when the page is served over TLS. The JSON API
 * itself only accepts Authorization headers, and the board checks the Origin of every
 * change it is asked for, so the cookie cannot be used for cross-site writes. Signing out
 * revokes the session the cookie names and clears the cookie.
 */
export const SESSION_COOKIE = 'juhui_session';

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return cookie(token, maxAgeSeconds, secure);
}

/** Tells the browser to drop the session cookie (after sign-out). */
export function clearedSessionCookie(secure: boolean): string {
  return cookie('', 0, secure);
}

export function readSessionCookie(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE && value.length > 0 && value.join('=') !== '') return value.join('=');
  }
  return undefined;
}
