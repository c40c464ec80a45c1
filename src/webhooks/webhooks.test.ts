import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../events/event.ts';
import { DaemonHarness } from '../testing/daemon-harness.ts';
import { signWebhook, verifyWebhook } from './signature.ts';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

let receiver: Server;
let receiverUrl: string;
let deliveries: Delivery[];
/** Status codes the receiver answers with, in order; 200 once they run out. */
let answers: number[];
let home: string;
let harness: DaemonHarness;

beforeEach(async () => {
  deliveries = [];
  answers = [];
  home = mkdtempSync(join(tmpdir(), 'deskpilot-webhooks-'));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterEach(async () => {
  await harness.stop();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

async function waitForDeliveries(count: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (deliveries.length < count) {
    if (Date.now() > deadline) {
      throw new Error(`only ${deliveries.length} of ${count} deliveries arrived`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('webhooks', () => {
  it('posts the terminal event signed with the webhook secret', async () => {
    harness = await DaemonHarness.start({ home });
    const model = harness.script({ turns: [{ done: true, text: 'finished' }] });
    const run = await harness.createRun({ task: 'x', model, webhook_url: receiverUrl });
    await waitForDeliveries(1);

    const [delivery] = deliveries;
    const signature = String(delivery!.headers['deskpilot-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(harness.config.webhookSecret, delivery!.body, signature)).toBe(true);
    expect(verifyWebhook('whsec_other', delivery!.body, signature)).toBe(false);
    expect(verifyWebhook(harness.config.webhookSecret, `${delivery!.body} `, signature)).toBe(
      false,
    );

    const event = JSON.parse(delivery!.body) as RunEvent;
    const stored = await harness.events(run.id);
    expect(event).toEqual(stored.at(-1));
    expect(event.type).toBe('run.succeeded');
  });

  it('retries a failed delivery with backoff until the receiver accepts it', async () => {
    answers = [500, 503];
    harness = await DaemonHarness.start({ home, webhooks: { retryDelaysMs: [50, 100] } });
    const run = await harness.createRun({
      task: 'x',
      model: harness.script({ turns: [{ done: true }] }),
      webhook_url: receiverUrl,
    });
    await waitForDeliveries(3);
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    expect(JSON.parse(deliveries[2]!.body).run_id).toBe(run.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliveries).toHaveLength(3);
  });

  it('keeps a pending delivery across a daemon restart', async () => {
    answers = [500];
    harness = await DaemonHarness.start({ home, webhooks: { retryDelaysMs: [500] } });
    const model = harness.script({ turns: [{ done: true }] });
    await harness.createRun({ task: 'x', model, webhook_url: receiverUrl });
    await waitForDeliveries(1);

    // Stopped before its retry is due: only the store remembers the delivery.
    await harness.stop();
    expect(deliveries).toHaveLength(1);

    harness = await DaemonHarness.start({ home });
    await waitForDeliveries(2);
    expect(deliveries[1]!.body).toBe(deliveries[0]!.body);
  });
});

describe('webhook signatures', () => {
  it('rejects a signature older than the tolerance', () => {
    const body = '{"a":1}';
    const old = Math.floor(Date.now() / 1000) - 3600;
    expect(verifyWebhook('s', body, signWebhook('s', body, old))).toBe(false);
    expect(verifyWebhook('s', body, signWebhook('s', body, Math.floor(Date.now() / 1000)))).toBe(
      true,
    );
  });
});
