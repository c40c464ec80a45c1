import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultHome, loadConfig } from './config.ts';

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'deskpilot-config-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('config', () => {
  it('generates the API key once into a file only its owner can read', () => {
    const first = loadConfig({ home }, {});
    const again = loadConfig({ home }, {});
    expect(first.apiKey).toMatch(/^dp_[\w-]{32}$/);
    expect(again.apiKey).toBe(first.apiKey);
    expect(readFileSync(join(home, 'api_key'), 'utf8').trim()).toBe(first.apiKey);
    expect(statSync(join(home, 'api_key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'webhook_secret')).mode & 0o777).toBe(0o600);
  });

  it('takes the key from DESKPILOT_API_KEY over the file', () => {
    expect(loadConfig({ home }, { DESKPILOT_API_KEY: 'from-env' }).apiKey).toBe('from-env');
  });

  it('binds loopback on port 7878 unless told otherwise, flags over environment', () => {
    expect(loadConfig({ home }, {})).toMatchObject({ host: '127.0.0.1', port: 7878 });
    expect(loadConfig({ home }, { DESKPILOT_PORT: '9000' }).port).toBe(9000);
    expect(loadConfig({ home, port: 9100 }, { DESKPILOT_PORT: '9000' }).port).toBe(9100);
  });

  it('captures with grab unless screenshot-desktop is asked for', () => {
    expect(loadConfig({ home }, {}).capture).toBe('grab');
    const config = loadConfig({ home }, { DESKPILOT_CAPTURE: 'screenshot-desktop' });
    expect(config.capture).toBe('screenshot-desktop');
  });

  it('names the setting when a value is unusable', () => {
    expect(() => loadConfig({ home }, { DESKPILOT_PORT: 'http' })).toThrow(/DESKPILOT_PORT/);
    expect(() => loadConfig({ home }, { DESKPILOT_DESKTOP: 'vnc' })).toThrow(/DESKPILOT_DESKTOP/);
    expect(() => loadConfig({ home }, { DESKPILOT_CAPTURE: 'xwd' })).toThrow(/DESKPILOT_CAPTURE/);
  });

  it("judges with the run's own model unless DESKPILOT_VERIFIER_MODEL names another", () => {
    expect(loadConfig({ home }, {}).verifierModel).toBeNull();
    const config = loadConfig(
      { home },
      { DESKPILOT_VERIFIER_MODEL: ' anthropic:claude-opus-5-5 ' },
    );
    expect(config.verifierModel).toBe('anthropic:claude-opus-5-5');
    for (const value of ['claude-opus-5-5', 'anthropic:', ':claude-opus-5-5']) {
      expect(() => loadConfig({ home }, { DESKPILOT_VERIFIER_MODEL: value })).toThrow(
        /^DESKPILOT_VERIFIER_MODEL must be provider:model/,
      );
    }
  });

  it('keeps data under XDG_DATA_HOME by default on Linux', () => {
    expect(defaultHome({ DESKPILOT_HOME: '/x' })).toBe('/x');
    if (process.platform === 'linux') {
      expect(defaultHome({ XDG_DATA_HOME: '/d' })).toBe('/d/deskpilot');
    }
  });
});
