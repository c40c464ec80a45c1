import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness, testApiKey } from '../testing/daemon-harness.ts';

let harness: DaemonHarness;
let slowModel: string;

beforeEach(async () => {
  harness = await DaemonHarness.start();
  // A model that thinks for a long time keeps its run running while a test looks at it.
  slowModel = harness.script({ turns: [{ delay_ms: 60_000 }] });
});

afterEach(async () => {
  await harness.stop();
});

async function errorOf(response: Response) {
  return ((await response.json()) as { error: Record<string, string> }).error;
}

describe('POST /v1/runs', () => {
  it('creates a queued run with every default filled in', async () => {
    const response = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'say hi', model: slowModel },
    });
    expect(response.status).toBe(201);
    const run = await response.json();

    expect(run).toMatchObject({
      object: 'run',
      state: 'queued',
      machine_id: 'local',
      task: 'say hi',
      cua_version: 'v3',
      max_steps: 50,
      deadline_seconds: 600,
      on_awaiting_human: 'pause',
      instructions: null,
      system_prompt: null,
      max_cost_usd: null,
      webhook_url: null,
      metadata: {},
      steps_taken: 0,
      awaiting_human: null,
      result: null,
      error: null,
      started_at: null,
      finished_at: null,
    });
    expect(run.id).toMatch(/^run_[0-9a-z]{26}$/);
    expect(Date.parse(run.deadline_at) - Date.parse(run.created_at)).toBe(600_000);
    expect(run.usage).toEqual({
      steps: 0,
      model_calls: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      cost_usd: 0,
    });
  });

  it('keeps every field it was given', async () => {
    const fields = {
      task: 'check the invoice',
      cua_version: 'v4',
      max_steps: 7,
      deadline_seconds: 90,
      on_awaiting_human: 'fail',
      instructions: 'be brief',
      system_prompt: 'you are careful',
      model: slowModel,
      max_cost_usd: 1.5,
      webhook_url: 'http://127.0.0.1:9/hook',
      metadata: { ticket: 'T-1' },
    };
    const run = await harness.createRun(fields);
    expect(run).toMatchObject(fields);
    expect(await harness.getRun(run.id)).toMatchObject(fields);
  });

  it.each([
    ['{"task": ', 'invalid_json', undefined],
    ['[1, 2]', 'invalid_json', undefined],
    ['{}', 'missing_field', 'task'],
    ['{"task": "x", "colour": "red"}', 'unknown_field', 'colour'],
    ['{"task": ""}', 'invalid_field', 'task'],
    ['{"task": "x", "max_steps": 0}', 'invalid_field', 'max_steps'],
    ['{"task": "x", "max_steps": 1001}', 'invalid_field', 'max_steps'],
    ['{"task": "x", "max_steps": 2.5}', 'invalid_field', 'max_steps'],
    ['{"task": "x", "deadline_seconds": 86401}', 'invalid_field', 'deadline_seconds'],
    ['{"task": "x", "cua_version": "v5"}', 'invalid_field', 'cua_version'],
    ['{"task": "x", "on_awaiting_human": "ignore"}', 'invalid_field', 'on_awaiting_human'],
    ['{"task": "x", "max_cost_usd": -1}', 'invalid_field', 'max_cost_usd'],
    ['{"task": "x", "webhook_url": "ftp://host/x"}', 'invalid_field', 'webhook_url'],
    ['{"task": "x", "metadata": {"a": 1}}', 'invalid_field', 'metadata.a'],
    ['{"task": "x", "model": "nonsense"}', 'invalid_field', 'model'],
    ['{"task": "x", "model": "scripted:/no/such/file.json"}', 'invalid_field', 'model'],
  ])('refuses %s with %s', async (body, code, param) => {
    const response = await harness.request('/v1/runs', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${testApiKey}` },
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.type).toBe('invalid_request_error');
    expect(error.code).toBe(code);
    expect(error.param).toBe(param);
    expect(error.message?.length).toBeGreaterThan(5);
  });

  it('refuses more than 20 metadata keys', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    const response = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'x', metadata },
    });
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_field', param: 'metadata' });
  });

  it('explains the max_steps limit in the message', async () => {
    const response = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'x', max_steps: 0 },
    });
    expect((await errorOf(response)).message).toBe('max_steps must be an integer from 1 to 1000');
  });

  it('answers 404 for a machine that does not exist', async () => {
    const response = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'x', machine_id: 'vm_nope', model: slowModel },
    });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({
      code: 'machine_not_found',
      param: 'machine_id',
    });
  });

  it('returns the first run again for a repeated Idempotency-Key with the same body', async () => {
    const send = (task: string) =>
      harness.request('/v1/runs', {
        method: 'POST',
        json: { task, model: slowModel },
        headers: { 'idempotency-key': 'create-1', authorization: `Bearer ${testApiKey}` },
      });
    const first = await send('same');
    const again = await send('same');
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe((await first.json()).id);

    const other = await send('different');
    expect(other.status).toBe(409);
    expect(await errorOf(other)).toMatchObject({
      type: 'conflict_error',
      code: 'idempotency_key_reused',
    });

    const list = await (await harness.request('/v1/runs')).json();
    expect(list.data).toHaveLength(1);
  });
});

describe('GET /v1/runs', () => {
  it('lists newest first and pages with starting_after', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await harness.createRun({ task: `t${i}`, model: slowModel })).id);
    }

    const first = await (await harness.request('/v1/runs?limit=2')).json();
    expect(first.object).toBe('list');
    expect(first.data.map((run: { id: string }) => run.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);

    const rest = await (await harness.request(`/v1/runs?limit=10&starting_after=${ids[3]}`)).json();
    expect(rest.data.map((run: { id: string }) => run.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(rest.has_more).toBe(false);
  });

  it('filters by state and machine', async () => {
    const running = await harness.createRun({ task: 'first', model: slowModel });
    await harness.waitForState(running.id, ['running']);
    const queued = await harness.createRun({ task: 'second', model: slowModel });

    const byState = await (await harness.request('/v1/runs?state=queued')).json();
    expect(byState.data.map((run: { id: string }) => run.id)).toEqual([queued.id]);

    const byMachine = await (await harness.request('/v1/runs?machine_id=local')).json();
    expect(byMachine.data).toHaveLength(2);
    const elsewhere = await (await harness.request('/v1/runs?machine_id=vm_other')).json();
    expect(elsewhere.data).toHaveLength(0);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['state=sleeping', 'state'],
    ['colour=red', 'colour'],
  ])('refuses the query %s', async (query, param) => {
    const response = await harness.request(`/v1/runs?${query}`);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).param).toBe(param);
  });
});

describe('run routes', () => {
  it('answers run_not_found for unknown ids on every run route', async () => {
    const routes: [string, string][] = [
      ['GET', '/v1/runs/run_missing'],
      ['POST', '/v1/runs/run_missing/cancel'],
      ['POST', '/v1/runs/run_missing/pause'],
      ['POST', '/v1/runs/run_missing/resume'],
      ['GET', '/v1/runs/run_missing/steps'],
      ['GET', '/v1/runs/run_missing/events'],
      ['GET', '/v1/runs/run_missing/screenshots/shot_x'],
    ];
    for (const [method, path] of routes) {
      const response = await harness.request(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await errorOf(response)).toMatchObject({
        type: 'not_found_error',
        code: 'run_not_found',
      });
    }
  });

  it('refuses to resume a run that is not awaiting a human', async () => {
    const run = await harness.createRun({ task: 'x', model: slowModel });
    const response = await harness.request(`/v1/runs/${run.id}/resume`, {
      method: 'POST',
      json: {},
    });
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({
      type: 'conflict_error',
      code: 'invalid_state',
    });
  });

  it('cancels once and then answers 409', async () => {
    const run = await harness.createRun({ task: 'x', model: slowModel });
    const cancelled = await harness.request(`/v1/runs/${run.id}/cancel`, { method: 'POST' });
    expect((await cancelled.json()).state).toBe('cancelled');
    const again = await harness.request(`/v1/runs/${run.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
  });

  it('serves the screenshot exactly as stored for each step', async () => {
    const model = harness.script({
      turns: [{ actions: [{ action: 'left_click', coordinate: [5, 5] }] }, { done: true }],
    });
    const run = await harness.createRun({ task: 'x', model });
    await harness.waitForState(run.id, ['succeeded']);

    const steps = await (await harness.request(`/v1/runs/${run.id}/steps`)).json();
    expect(steps.data).toHaveLength(2);
    const shot = await harness.request(
      `/v1/runs/${run.id}/screenshots/${steps.data[0].screenshot_id}`,
    );
    expect(shot.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await shot.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');

    const missing = await harness.request(`/v1/runs/${run.id}/screenshots/shot_nope`);
    expect(await errorOf(missing)).toMatchObject({ code: 'screenshot_not_found' });
  });
});

describe('security', () => {
  it('serves health without a key and everything else only with one', async () => {
    const health = await harness.daemon.app.request('/v1/health');
    expect(await health.json()).toMatchObject({ ok: true });

    const missing = await harness.daemon.app.request('/v1/runs');
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toMatchObject({
      type: 'authentication_error',
      code: 'missing_api_key',
    });

    const wrong = await harness.daemon.app.request('/v1/runs', {
      headers: { authorization: 'Bearer nope' },
    });
    expect(await errorOf(wrong)).toMatchObject({ code: 'invalid_api_key' });

    const viaHeader = await harness.daemon.app.request('/v1/runs', {
      headers: { 'x-api-key': testApiKey },
    });
    expect(viaHeader.status).toBe(200);
  });

  it('refuses a foreign Host header and a foreign Origin', async () => {
    const host = await harness.request('/v1/runs', {
      headers: { host: 'evil.example:7878', authorization: `Bearer ${testApiKey}` },
    });
    expect(host.status).toBe(403);
    expect(await errorOf(host)).toMatchObject({
      type: 'permission_error',
      code: 'host_not_allowed',
    });

    const origin = await harness.request('/v1/runs', {
      headers: {
        host: '127.0.0.1:7878',
        origin: 'http://evil.example',
        authorization: `Bearer ${testApiKey}`,
      },
    });
    expect(origin.status).toBe(403);
    expect(await errorOf(origin)).toMatchObject({ code: 'origin_not_allowed' });

    const own = await harness.request('/v1/runs', {
      headers: {
        host: 'localhost:7878',
        origin: 'http://localhost:7878',
        authorization: `Bearer ${testApiKey}`,
      },
    });
    expect(own.status).toBe(200);
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const response = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'x', instructions: 'a'.repeat(1024 * 1024 + 10) },
    });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({
      type: 'invalid_request_error',
      code: 'body_too_large',
    });
  });

  it('answers unknown routes with the error shape', async () => {
    const response = await harness.request('/v1/nothing');
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: 'route_not_found' });
  });
});

describe('service routes', () => {
  it('describes every route in openapi.json from the request schemas', async () => {
    const doc = await (await harness.request('/v1/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/runs', '/v1/runs/{id}/events', '/v1/machines', '/v1/health']),
    );
    const create = doc.paths['/v1/runs'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(['task']);
    expect(create.properties.max_steps).toMatchObject({ minimum: 1, maximum: 1000, default: 50 });
    expect(create.additionalProperties).toBe(false);
  });

  it('shows the webhook secret to a client with the key', async () => {
    const body = await (await harness.request('/v1/webhook_secret')).json();
    expect(body.secret).toBe(harness.config.webhookSecret);
    expect(body.secret).toMatch(/^whsec_/);
  });
});
