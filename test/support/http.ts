import type { ErrorResponse } from '../../src/common/errors/error-mapping';

/**
 * A value as it arrives over HTTP: JSON turns every Date into its ISO string. So a test names
 * the app's own view type (`api.get<CampaignView>(...)`) and reads the fields the wire has.
 */
export type Json<T> = T extends Date
  ? string
  : T extends ReadonlyArray<infer Item>
    ? Json<Item>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/** The body of every refusal (SPEC, Errors): name it for a request the test expects to fail. */
export type ErrorBody = ErrorResponse['body'];

/**
 * An answer whose body is the JSON of `T`. The default stays `any` for tests that have not
 * named their answer types yet; a test that names one gets its field names checked by tsc.
 */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: Json<T>;
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as-is (for broken JSON and odd content types); otherwise `body` is JSON-encoded. */
  raw?: string | Buffer;
}

/** A small HTTP client over fetch for the end-to-end tests. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | Buffer | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as Json<T>, text };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, undefined, options);
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, body, options);
  }
  patch<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, body, options);
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, undefined, options);
  }
}
