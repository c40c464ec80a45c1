import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonHarness, testApiKey } from './testing/daemon-harness.ts';

let harness: DaemonHarness;

afterEach(async () => {
  await harness.stop();
});

/** A pino destination that keeps every line it is given, parsed. */
function sink() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, raw, log: pino({ level: 'debug' }, stream) };
}

describe('logs', () => {
  it('log requests and run transitions by run id, never keys, typed text or images', async () => {
    const { lines, raw, log } = sink();
    harness = await DaemonHarness.start({ log });
    const secret = 'hunter2-typed-password';
    const model = harness.script({
      turns: [{ actions: [{ action: 'type', text: secret }] }, { done: true, text: 'typed it' }],
    });
    const run = await harness.createRun({ task: 'type the password', model });
    await harness.waitForState(run.id, ['succeeded']);
    await harness.request('/v1/runs', { headers: { 'x-api-key': testApiKey } });

    const all = raw.join('');
    expect(all).not.toContain(testApiKey);
    expect(all).not.toContain(secret);
    expect(all).not.toMatch(/iVBORw0KGgo/);

    const request = lines.find((line) => line['msg'] === 'request' && line['path'] === '/v1/runs');
    expect(request).toMatchObject({ method: 'POST', status: 201 });
    expect(typeof request!['durationMs']).toBe('number');

    const transitions = lines.filter(
      (line) => line['msg'] === 'run state changed' && line['runId'] === run.id,
    );
    expect(transitions.map((line) => line['state'])).toEqual(['running', 'succeeded']);
    const answered = lines.find((line) => line['msg'] === 'model answered');
    expect(answered).toMatchObject({ runId: run.id, step: 1 });
  });
});
