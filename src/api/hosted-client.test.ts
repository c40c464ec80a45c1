import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonHarness, testApiKey } from '../testing/daemon-harness.ts';

const run = promisify(execFile);
let harness: DaemonHarness;
let baseUrl: string;

beforeAll(async () => {
  harness = await DaemonHarness.start();
  baseUrl = `${(await harness.daemon.listen()).url}/v1`;
});

afterAll(async () => {
  await harness.stop();
});

describe('a client written for the hosted runs API', () => {
  it.each(['bearer', 'x-api-key'])(
    'works with only the base URL changed (%s auth)',
    async (style) => {
      const model = harness.script({ turns: [{ done: true, text: 'The total is 42.00' }] });
      const { stdout } = await run('bash', ['fixtures/clients/hosted-runs-client.sh'], {
        env: {
          ...process.env,
          BASE_URL: baseUrl,
          API_KEY: testApiKey,
          MODEL: model,
          AUTH_STYLE: style,
        },
      });
      const [summary, types] = stdout.trim().split('\n');
      expect(summary).toBe('succeeded\tThe total is 42.00\tcurl');
      expect(types?.split(',').at(-1)).toBe('run.succeeded');
    },
  );
});
