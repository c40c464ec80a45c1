import type { Connection } from './connection.ts';

/** The API's error body, as every route returns it. */
export interface ApiErrorBody {
  type: string;
  code: string;
  message: string;
  param?: string;
}

/** The daemon answered with an error; `body` is its stable error object. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly body: ApiErrorBody;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
}

/** Nothing answered at the daemon's address, or the connection broke before an answer. */
export class DaemonUnreachableError extends Error {
  override readonly name = 'DaemonUnreachableError';
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * A thin client of the daemon's HTTP API: it adds the key, sends and reads JSON, and turns error
 * answers into `ApiError`s. It knows no route; the commands do.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #apiKey: string;

  constructor(connection: Connection) {
    this.baseUrl = connection.baseUrl;
    this.#apiKey = connection.apiKey;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, options);
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    if (!response.ok) throw errorFrom(response.status, text);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Sends a request and returns the raw response, for streams and images. */
  async fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      ...options.headers,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new DaemonUnreachableError(
        `cannot reach the daemon at ${this.baseUrl} (${reasonOf(error)}); ` +
          'is `deskpilot serve` running?',
        { cause: error },
      );
    }
  }
}

export function errorFrom(status: number, text: string): ApiError {
  try {
    const parsed = JSON.parse(text) as { error?: ApiErrorBody };
    if (parsed.error?.code) return new ApiError(status, parsed.error);
  } catch {
    // Not the API's error shape: a proxy or another server answered. Described below.
  }
  return new ApiError(status, {
    type: 'api_error',
    code: 'unexpected_response',
    message: `the daemon answered HTTP ${status} with a body that is not an API error`,
  });
}

/** The most useful words in a fetch failure: undici hides the socket error in `cause`. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
