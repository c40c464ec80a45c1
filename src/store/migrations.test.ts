import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemaVersion } from './migrations.ts';
import { SqliteRunStore } from './sqlite-store.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deskpilot-store-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('store migrations', () => {
  it('records each applied version once and opens in WAL mode', () => {
    new SqliteRunStore(dir).close();
    new SqliteRunStore(dir).close();

    const db = new Database(join(dir, 'deskpilot.db'));
    const versions = db.prepare('SELECT version FROM schema_migrations').all();
    expect(versions).toEqual([{ version: schemaVersion }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database written by a newer deskpilot', () => {
    new SqliteRunStore(dir).close();
    const db = new Database(join(dir, 'deskpilot.db'));
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
      schemaVersion + 1,
      'x',
    );
    db.close();
    expect(() => new SqliteRunStore(dir)).toThrow(/newer than this deskpilot knows/);
  });
});
