import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SessionLimits {
  /** How long a one-time login code can be redeemed. @default 60_000 */
  codeTtlMs?: number;
  /** How long a signed-in browser stays signed in. @default 7 days */
  sessionTtlMs?: number;
  /** Sessions kept at once; the oldest is dropped beyond it. @default 100 */
  maxSessions?: number;
}

/**
 * Viewer sign-ins, kept in memory: a daemon restart signs every browser out, which is the safe
 * way round. Two ways in: a one-time code that `deskpilot open` asks for with the API key (so the
 * key itself never travels in a URL), or the key typed into the sign-in form.
 */
export class ViewerSessions {
  readonly #codes = new Map<string, number>();
  readonly #sessions = new Map<string, number>();
  readonly #codeTtlMs: number;
  readonly #sessionTtlMs: number;
  readonly #maxSessions: number;

  constructor({
    codeTtlMs = 60_000,
    sessionTtlMs = 7 * 86_400_000,
    maxSessions = 100,
  }: SessionLimits = {}) {
    this.#codeTtlMs = codeTtlMs;
    this.#sessionTtlMs = sessionTtlMs;
    this.#maxSessions = maxSessions;
  }

  get sessionTtlMs(): number {
    return this.#sessionTtlMs;
  }

  issueCode(now = Date.now()): { code: string; expiresAt: Date } {
    this.#forgetExpired(this.#codes, now);
    const code = token();
    const expiresAt = now + this.#codeTtlMs;
    this.#codes.set(code, expiresAt);
    return { code, expiresAt: new Date(expiresAt) };
  }

  /** Exchanges a code for a new session token; a code works once, and only before it expires. */
  redeemCode(code: string, now = Date.now()): string | null {
    const expiresAt = this.#codes.get(code);
    this.#codes.delete(code);
    if (expiresAt === undefined || expiresAt < now) return null;
    return this.start(now);
  }

  start(now = Date.now()): string {
    this.#forgetExpired(this.#sessions, now);
    const oldest = this.#sessions.keys().next();
    if (this.#sessions.size >= this.#maxSessions && !oldest.done) {
      this.#sessions.delete(oldest.value);
    }
    const session = token();
    this.#sessions.set(session, now + this.#sessionTtlMs);
    return session;
  }

  isValid(session: string | undefined, now = Date.now()): boolean {
    if (!session) return false;
    const expiresAt = this.#sessions.get(session);
    return expiresAt !== undefined && expiresAt >= now;
  }

  end(session: string | undefined): void {
    if (session) this.#sessions.delete(session);
  }

  #forgetExpired(entries: Map<string, number>, now: number): void {
    for (const [key, expiresAt] of entries) if (expiresAt < now) entries.delete(key);
  }
}

function token(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two secrets in constant time, whatever their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
