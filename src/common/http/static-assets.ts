import { readFileSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { notFound } from '../errors/domain-error';

export interface Asset {
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * A web page's files, read once at start-up from the paths given (its own `public/` folder,
 * which the build copies into dist, and browser code from installed packages), so a page
 * needs nothing from another site. Only the names given can ever be served: a request's
 * name is looked up, never joined onto a path.
 */
export class StaticAssets {
  private readonly files = new Map<string, Asset>();

  constructor(paths: Record<string, string>) {
    for (const [name, path] of Object.entries(paths)) {
      const contentType = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))];
      if (!contentType) throw new Error(`no content type for asset ${name}`);
      this.files.set(name, { contentType, body: readFileSync(path) });
    }
  }

  /**
   * Sends the named file with the page's content security policy, or answers 404 NOT_FOUND.
   * The headers helmet sets for the API are repeated here because the policy replaces its.
   */
  send(reply: FastifyReply, name: string, contentSecurityPolicy: string, extraHeaders: Record<string, string> = {}): void {
    const asset = this.files.get(name);
    if (!asset) throw notFound('asset', name);
    void reply
      .type(asset.contentType)
      .header('X-Content-Type-Options', 'nosniff')
      .header('X-Frame-Options', 'DENY')
      .header('Referrer-Policy', 'no-referrer')
      .header('Content-Security-Policy', contentSecurityPolicy)
      .headers(extraHeaders)
      .send(asset.body);
  }
}
