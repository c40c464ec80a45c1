import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type BrowserContext,
  type Page,
  type Request,
  type Response,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../runs/run.ts';
import { startDaemon, type DaemonProcess } from '../cli/testing/daemon-process.ts';

// The viewer in real headless Chromium against a daemon child process (in-memory machines,
// scripted models). Needs Debian's chromium, which scripts/setup-native.sh installs.

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const click = (x: number, y: number) => ({ action: 'left_click', coordinate: [x, y] });

let daemon: DaemonProcess;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: run scripts/setup-native.sh or set CHROMIUM_PATH`,
    );
  }
  daemon = await startDaemon();
  profile = mkdtempSync(join(tmpdir(), 'deskpilot-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${daemon.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${daemon.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function finishedRun(task: string, model: string, fields: object = {}): Promise<Run> {
  const run = await api<Run>('POST', '/v1/runs', { task, model, ...fields });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const current = await api<Run>('GET', `/v1/runs/${run.id}`);
    if (current.finished_at) return current;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${run.id} did not finish`);
}

/** A page signed in the way `deskpilot open` does it: a one-time code, then the cookie. */
async function openSignedIn(path: string): Promise<Page> {
  const { login_path } = await api<{ login_path: string }>('POST', '/session/codes');
  const page = await browser.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(`${daemon.url}${login_path}&next=${encodeURIComponent(path)}`);
  return page;
}

describe('the web viewer in chromium', () => {
  it('lists a finished run with its state, task, steps and cost', async () => {
    const run = await finishedRun(
      'Open the pricing page',
      daemon.script('list', { turns: [{ actions: [click(10, 10)] }, { done: true }] }),
    );
    const page = await openSignedIn('/');

    const row = page.locator(`tr[data-run-id="${run.id}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.state').textContent()).toBe('succeeded');
    expect(await row.locator('td.task').textContent()).toBe('Open the pricing page');
    expect(await row.locator('td.num').first().textContent()).toBe('2/50');
    await page.close();
  });

  it('adds a new run to the open list and shows it succeed, through the stream alone', async () => {
    const lists: string[] = [];
    const streams: string[] = [];
    const onRequest = (request: Request) => {
      const path = new URL(request.url()).pathname;
      if (path === '/v1/runs') lists.push(request.url());
      if (path === '/v1/events') streams.push(request.url());
    };
    browser.on('request', onRequest);
    const page = await openSignedIn('/');
    await expect.poll(() => page.locator('.list-status').textContent()).not.toBe('Loading…');
    const listsAtLoad = lists.length;

    const turns = Array.from({ length: 3 }, (_, i) => ({
      delay_ms: 400,
      actions: [click(20 + i * 10, 20)],
    }));
    const model = daemon.script('list-live', { turns: [...turns, { done: true }] });
    const created = performance.now();
    const run = await api<Run>('POST', '/v1/runs', { task: 'A run the list sees live', model });
    const row = page.locator(`tr[data-run-id="${run.id}"]`);
    const state = () => row.locator('.state').getAttribute('data-state');

    await expect.poll(() => row.count(), { interval: 20 }).toBe(1);
    const appearedMs = performance.now() - created;
    const firstState = await state();
    await expect.poll(state, { timeout: 10_000, interval: 20 }).toBe('succeeded');
    const finished = (await api<Run>('GET', `/v1/runs/${run.id}`)).finished_at!;
    const lagMs = Date.now() - Date.parse(finished);

    // A 2 s poll could not show the row within a second, nor ever without listing again.
    expect(appearedMs).toBeLessThan(1000);
    expect(['queued', 'running']).toContain(firstState);
    expect(lagMs).toBeLessThan(1000);
    expect(lists.length).toBe(listsAtLoad);
    expect(streams).toHaveLength(1);
    expect(await row.locator('td.num').first().textContent()).toBe('4/50');
    browser.off('request', onRequest);
    await page.close();
  });

  it('polls the list while the stream is down, and stops polling once it is back', async () => {
    let lists = 0;
    let streamsUp = 0;
    const onRequest = (request: Request) => {
      if (new URL(request.url()).pathname === '/v1/runs') lists += 1;
    };
    const onResponse = (response: Response) => {
      if (new URL(response.url()).pathname === '/v1/events' && response.ok()) streamsUp += 1;
    };
    browser.on('request', onRequest);
    browser.on('response', onResponse);
    await browser.route('**/v1/events', (route) => route.abort());
    const page = await openSignedIn('/');
    await expect.poll(() => page.locator('.list-status').textContent()).not.toBe('Loading…');

    const early = await finishedRun('A run seen by polling', daemon.script('poll', { turns: [] }));
    await expect
      .poll(() => page.locator(`tr[data-run-id="${early.id}"]`).count(), { timeout: 5000 })
      .toBe(1);
    expect(lists).toBeGreaterThanOrEqual(2);

    await browser.unroute('**/v1/events');
    await expect.poll(() => streamsUp, { timeout: 10_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const listsWhileLive = lists;
    const late = await api<Run>('POST', '/v1/runs', {
      task: 'A run seen through the stream',
      model: daemon.script('poll-late', { turns: [{ done: true }] }),
    });
    const lateState = page.locator(`tr[data-run-id="${late.id}"] .state`);
    await expect.poll(() => lateState.getAttribute('data-state')).toBe('succeeded');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(lists).toBe(listsWhileLive);

    browser.off('request', onRequest);
    browser.off('response', onResponse);
    await page.close();
  });

  it("shows each step's screenshot with the click marker where the model clicked", async () => {
    // Written for a 1024×640 frame, so the model saw a scaled-down 1280×800 screen.
    const clicks = [click(100, 80), click(900, 560), click(512, 320)];
    const model = daemon.script('clicks', {
      frame: { width: 1024, height: 640 },
      turns: [
        ...clicks.map((action, i) => ({ text: `Clicking target ${i + 1}`, actions: [action] })),
        { text: 'Typing', actions: [{ action: 'type', text: 'hello viewer' }] },
        { done: true, text: 'Clicked all three targets' },
      ],
      verdicts: [{ passed: true, reason: 'All three targets show as clicked' }],
    });
    const run = await finishedRun('Click the three targets, then type', model, {
      cua_version: 'v4',
    });
    const page = await openSignedIn(`/runs/${run.id}`);

    await expect.poll(() => page.locator('article.step').count()).toBe(5);
    for (const [index, action] of clicks.entries()) {
      const step = page.locator(`article.step[data-step="${index + 1}"]`);
      await step.scrollIntoViewIfNeeded();
      const image = step.locator('img.screenshot');
      await expect
        .poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBe(1024);

      const shown = (await image.boundingBox())!;
      const marker = (await step.locator('.mark.click .dot').boundingBox())!;
      const scale = shown.width / 1024;
      expect(marker.x + marker.width / 2).toBeCloseTo(shown.x + action.coordinate[0]! * scale, 0);
      expect(marker.y + marker.height / 2).toBeCloseTo(shown.y + action.coordinate[1]! * scale, 0);
    }
    expect(await page.locator('.run-head .banner.verdict.passed').textContent()).toBe(
      'Verifier passed: All three targets show as clicked',
    );
    expect(await page.locator('article.step[data-step="4"] .label-text').textContent()).toBe(
      '⌨ “hello viewer”',
    );

    // Screenshots load as they come into view: bring each in before the picture of the page.
    for (const step of await page.locator('article.step').all()) {
      await step.scrollIntoViewIfNeeded();
      await expect.poll(() => step.locator('img.screenshot').getAttribute('src')).toMatch(/^blob:/);
    }
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'viewer-run-page.png'), fullPage: true });
    await page.close();
  });

  it("adds a live run's new steps as they happen, without a reload", async () => {
    const turns = Array.from({ length: 4 }, (_, i) => ({
      delay_ms: 600,
      actions: [click(50 + i * 100, 50)],
    }));
    const model = daemon.script('live', {
      turns: [...turns, { done: true, text: 'finished live' }],
    });
    const run = await api<Run>('POST', '/v1/runs', { task: 'A slow run', model });
    const page = await openSignedIn(`/runs/${run.id}`);
    await page.waitForSelector('article.step');
    let navigations = 0;
    page.on('framenavigated', () => (navigations += 1));

    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          seen.add(await page.locator('article.step').count());
          return page.locator('.run-head .state').getAttribute('data-state');
        },
        { timeout: 15_000 },
      )
      .toBe('succeeded');

    expect(await page.locator('article.step').count()).toBe(5);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect(navigations).toBe(0);
    await page.close();
  });

  it('cancels a run with the cancel button', async () => {
    const turns = Array.from({ length: 30 }, () => ({ delay_ms: 400, actions: [click(5, 5)] }));
    const run = await api<Run>('POST', '/v1/runs', {
      task: 'A run to cancel',
      model: daemon.script('cancel', { turns }),
    });
    const page = await openSignedIn(`/runs/${run.id}`);
    await page.waitForSelector('article.step');

    await page.getByRole('button', { name: 'Cancel run' }).click();

    await expect
      .poll(() => page.locator('.run-head .state').getAttribute('data-state'))
      .toBe('cancelled');
    expect((await api<Run>('GET', `/v1/runs/${run.id}`)).state).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await page.close();
  });

  it('pauses a run, shows why it waits, and resumes it with an answer for the agent', async () => {
    const turns = Array.from({ length: 8 }, () => ({ delay_ms: 300, actions: [click(5, 5)] }));
    const run = await api<Run>('POST', '/v1/runs', {
      task: 'A run to pause',
      model: daemon.script('pause', { turns: [...turns, { done: true, text: 'resumed fine' }] }),
    });
    const page = await openSignedIn(`/runs/${run.id}`);
    const state = () => page.locator('.run-head .state').getAttribute('data-state');
    await page.waitForSelector('article.step');

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(state).toBe('awaiting_human');
    expect(await page.locator('.banner.waiting').textContent()).toContain('Paused');
    await page.getByPlaceholder('Answer for the agent (optional)').fill('carry on');
    await page.getByRole('button', { name: 'Resume' }).click();

    await expect.poll(state, { timeout: 15_000 }).toBe('succeeded');
    const events = await api<{ data: { type: string; data: { message?: string } }[] }>(
      'GET',
      `/v1/runs/${run.id}/events?limit=1000`,
    );
    expect(events.data.find((item) => item.type === 'run.resumed')?.data.message).toBe('carry on');
    await page.close();
  });

  it('asks to sign in without a session, and signs in with the key', async () => {
    // The last test: clearing the cookies signs out every page of this browser.
    const page = await browser.newPage();
    await browser.clearCookies();
    await page.goto(daemon.url);

    await page.getByLabel('API key').fill(daemon.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect.poll(() => page.locator('h1').first().textContent()).toBe('Runs');
    expect(page.url()).toBe(`${daemon.url}/`);
    await page.close();
  });
});
