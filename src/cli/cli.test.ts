import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { exitCodes } from './output/exit-codes.ts';
import { startDaemon, runCli, spawnCli, type DaemonProcess } from './testing/daemon-process.ts';
import { startDropProxy } from './testing/drop-proxy.ts';

// The CLI as users run it: `bin/deskpilot` as a child process, against a daemon child process on
// loopback with in-memory machines and scripted models.

const fixture = new URL('../../fixtures/scripts/click-and-type.json', import.meta.url);
const clickAndType = `scripted:${fileURLToPath(fixture)}`;
const click = { action: 'left_click', coordinate: [100, 200] };

let daemon: DaemonProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  daemon = await startDaemon();
  env = daemon.env;
});

afterAll(async () => {
  await daemon?.stop();
});

function slowScript(name: string, steps: number, delayMs: number): string {
  const turns = Array.from({ length: steps }, (_, i) => ({
    text: `step ${i + 1}`,
    delay_ms: delayMs,
    actions: [click],
  }));
  return daemon.script(name, { turns: [...turns, { done: true, text: 'all done' }] });
}

describe('deskpilot run', () => {
  it('follows a run to success, a line per step, and exits 0', async () => {
    const result = await runCli(['run', 'search for hello', '--model', clickAndType], env);

    expect(result.code).toBe(exitCodes.ok);
    expect(result.stdout).toMatch(/1\/50 ▕.*▏ 0:0\d \$0\.0000 {2}left click at \(640, 400\)/);
    expect(result.stdout).toContain('type 11 characters · press Return');
    expect(result.stdout).toContain('✓ succeeded');
    expect(result.stdout).toContain('Searched for hello world');
    expect(result.stdout).toMatch(new RegExp(`view: ${daemon.url}/runs/run_\\w+`));
  });

  it('prints the finished run as JSON with --json', async () => {
    const result = await runCli(
      ['run', 'search for hello', '--model', clickAndType, '--json', '--metadata', 'ticket=42'],
      env,
    );

    expect(result.code).toBe(exitCodes.ok);
    const run = JSON.parse(result.stdout);
    expect(run).toMatchObject({
      object: 'run',
      state: 'succeeded',
      steps_taken: 3,
      metadata: { ticket: '42' },
    });
  });

  it('exits 1 when the run fails', async () => {
    const model = daemon.script('no-done', { turns: [{ actions: [click] }] });
    const result = await runCli(['run', 'never finishes', '--model', model, '--json'], env);

    expect(result.code).toBe(exitCodes.runFailed);
    expect(JSON.parse(result.stdout)).toMatchObject({
      state: 'failed',
      error: { code: 'model_error' },
    });
  });

  it('exits 1 when the run reaches max_steps', async () => {
    const result = await runCli(
      ['run', 'too long', '--model', clickAndType, '--max-steps', '1'],
      env,
    );

    expect(result.code).toBe(exitCodes.runFailed);
    expect(result.stdout).toContain('✗ failed (max_steps_exceeded)');
  });

  it('exits 3 when the run is cancelled', async () => {
    const model = daemon.script('asks', { turns: [{ needs_human: 'Which account?' }] });
    const result = await runCli(
      ['run', 'ask', '--model', model, '--on-awaiting-human', 'cancel'],
      env,
    );

    expect(result.code).toBe(exitCodes.runCancelled);
    expect(result.stdout).toContain('cancelled (awaiting_human)');
  });

  it('exits 4 when the run times out', async () => {
    const model = slowScript('slow-deadline', 1, 5000);
    const result = await runCli(
      ['run', 'slow', '--model', model, '--deadline', '1', '--json'],
      env,
    );

    expect(result.code).toBe(exitCodes.runTimedOut);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: 'timed_out' });
  });

  it('exits 2 on a bad flag or a refused request, before or without a run', async () => {
    const badFlag = await runCli(['run', 'x', '--max-steps', 'many'], env);
    const refused = await runCli(['run', 'x', '--max-steps', '0', '--json'], env);

    expect(badFlag.code).toBe(exitCodes.usage);
    expect(badFlag.stderr).toContain('expected a whole number');
    expect(refused.code).toBe(exitCodes.usage);
    expect(JSON.parse(refused.stderr)).toMatchObject({
      error: { code: 'invalid_field', param: 'max_steps' },
    });
  });

  it('exits 5 when no daemon answers or the key is wrong', async () => {
    const nobody = await runCli(['runs', 'ls'], { ...env, DESKPILOT_URL: 'http://127.0.0.1:9' });
    const wrongKey = await runCli(['runs', 'ls', '--json'], {
      ...env,
      DESKPILOT_API_KEY: 'dp_wrong',
    });

    expect(nobody.code).toBe(exitCodes.daemon);
    expect(nobody.stderr).toContain('cannot reach the daemon at http://127.0.0.1:9');
    expect(wrongKey.code).toBe(exitCodes.daemon);
    expect(JSON.parse(wrongKey.stderr)).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('asks on Ctrl+C and cancels the run when told yes', async () => {
    const cli = spawnCli(['run', 'slow', '--model', slowScript('slow-cancel', 20, 300)], env);
    await cli.waitFor(/1\/50/);

    cli.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    cli.child.stdin!.write('y\n');
    const result = await cli.done;

    expect(result.stderr).toContain('Cancel run run_');
    expect(result.code).toBe(exitCodes.runCancelled);
    expect(result.stdout).toContain('✗ cancelled');
  });

  it('stops following on Ctrl+C with nobody to answer, and leaves the run going', async () => {
    const cli = spawnCli(['run', 'slow', '--model', slowScript('slow-detach', 20, 300)], env);
    // The header shows once the CLI follows the run, and so listens for Ctrl+C.
    await cli.waitFor('started on machine');

    cli.child.stdin!.end();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    const id = /runs watch (run_\w+)/.exec(result.stderr)?.[1];

    expect(result.code).toBe(exitCodes.detached);
    expect(id).toBeDefined();
    const show = await runCli(['runs', 'show', id!, '--json'], env);
    expect(['running', 'queued']).toContain(JSON.parse(show.stdout).state);
    await runCli(['runs', 'cancel', id!], env);
  });
});

describe('deskpilot runs', () => {
  it('lists, shows and watches runs, as text and as JSON', async () => {
    const created = JSON.parse(
      (await runCli(['run', 'listed', '--model', clickAndType, '--json'], env)).stdout,
    );

    const ls = await runCli(['runs', 'ls'], env);
    const lsJson = JSON.parse((await runCli(['runs', 'ls', '--json', '--limit', '5'], env)).stdout);
    const show = JSON.parse(
      (await runCli(['runs', 'show', created.id, '--steps', '--json'], env)).stdout,
    );
    const watch = await runCli(['runs', 'watch', created.id, '--json'], env);
    const events = watch.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));

    expect(ls.stdout).toMatch(new RegExp(`${created.id}\\s+succeeded\\s+3/50\\s+\\$0\\.0000`));
    expect(lsJson).toMatchObject({
      object: 'list',
      data: expect.arrayContaining([expect.objectContaining({ id: created.id })]),
    });
    expect(show.run.id).toBe(created.id);
    expect(show.steps.map((step: { index: number }) => step.index)).toEqual([1, 2, 3]);
    expect(watch.code).toBe(exitCodes.ok);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1).type).toBe('run.succeeded');
  });

  it('pauses, resumes with a message and cancels a run', async () => {
    const model = slowScript('slow-control', 30, 200);
    const id = JSON.parse(
      (await runCli(['run', 'controlled', '--model', model, '--detach', '--json'], env)).stdout,
    ).id;

    const paused = await waitForState(id, 'awaiting_human', () =>
      runCli(['runs', 'pause', id, '--json'], env),
    );
    const resumed = JSON.parse(
      (await runCli(['runs', 'resume', id, '--message', 'go on', '--json'], env)).stdout,
    );
    const cancelled = await runCli(['runs', 'cancel', id], env);
    const again = await runCli(['runs', 'cancel', id, '--json'], env);

    expect(paused.awaiting_human.reason).toBe('user_paused');
    expect(resumed.state).toBe('running');
    expect(cancelled.stdout).toBe(`${id} is cancelled\n`);
    expect(again.code).toBe(exitCodes.usage);
    expect(JSON.parse(again.stderr).error.code).toBe('invalid_state');
  });

  it('resumes watching after the stream drops, missing and repeating nothing', async () => {
    const proxy = await startDropProxy(daemon.url);
    const model = slowScript('slow-watch', 6, 400);
    const id = JSON.parse(
      (await runCli(['run', 'watched', '--model', model, '--detach', '--json'], env)).stdout,
    ).id;

    const watch = spawnCli(['runs', 'watch', id], { ...env, DESKPILOT_URL: proxy.url });
    await watch.waitFor(/2\/50/);
    proxy.drop();
    const result = await watch.done;
    await proxy.close();

    expect(result.code).toBe(exitCodes.ok);
    expect(result.stdout).toContain('the event stream dropped');
    for (const step of [1, 2, 3, 4, 5, 6, 7]) {
      expect(result.stdout.match(new RegExp(`^ ?${step}/50 `, 'gm'))).toHaveLength(1);
    }
    const reconnect = proxy.requests.filter((head) => head.includes('/events')).at(-1);
    expect(reconnect).toMatch(/last-event-id: [1-9]\d*/i);
  });
});

describe('deskpilot machines, key and open', () => {
  it('creates, lists and removes a machine', async () => {
    const created = JSON.parse(
      (await runCli(['machines', 'create', '--width', '1024', '--height', '768', '--json'], env))
        .stdout,
    );
    const listed = JSON.parse((await runCli(['machines', 'ls', '--json'], env)).stdout);
    const removed = await runCli(['machines', 'rm', created.id], env);
    const after = JSON.parse((await runCli(['machines', 'ls', '--json'], env)).stdout);

    expect(created).toMatchObject({ object: 'machine', kind: 'virtual', width: 1024, height: 768 });
    expect(listed.data.map((machine: { id: string }) => machine.id)).toEqual(
      expect.arrayContaining(['local', created.id]),
    );
    expect(removed.stdout).toBe(`${created.id} stopped\n`);
    expect(after.data.map((machine: { id: string }) => machine.id)).not.toContain(created.id);
  });

  it('shows the API key and the webhook secret', async () => {
    const result = await runCli(['key', '--json'], env);

    expect(JSON.parse(result.stdout)).toEqual({
      api_key: daemon.apiKey,
      webhook_secret: expect.stringMatching(/^whsec_/),
    });
  });

  it('gives a sign-in link that holds a one-time code, never the key', async () => {
    const result = await runCli(['open', 'run_x', '--print', '--json'], env);
    const { url, opened } = JSON.parse(result.stdout);

    expect(opened).toBe(false);
    expect(url).toMatch(
      new RegExp(`^${daemon.url}/session/login\\?code=[\\w-]{43}&next=%2Fruns%2Frun_x$`),
    );
    expect(url).not.toContain(daemon.apiKey);
  });

  it('opens the sign-in link in the browser that $BROWSER names', async () => {
    const result = await runCli(['open', '--json'], { ...env, BROWSER: 'true' });

    expect(JSON.parse(result.stdout)).toMatchObject({ opened: true });
  });

  it('has --help on every command', async () => {
    const commands = [
      [],
      ['run'],
      ['runs'],
      ['runs', 'ls'],
      ['runs', 'show'],
      ['runs', 'watch'],
      ['runs', 'cancel'],
      ['runs', 'pause'],
      ['runs', 'resume'],
      ['machines'],
      ['machines', 'ls'],
      ['machines', 'create'],
      ['machines', 'rm'],
      ['key'],
      ['open'],
      ['serve'],
    ];
    const results = await Promise.all(
      commands.map((command) => runCli([...command, '--help'], env)),
    );

    for (const result of results) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: deskpilot/);
    }
  });
});

async function waitForState(id: string, state: string, act: () => Promise<unknown>) {
  await act();
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const run = JSON.parse((await runCli(['runs', 'show', id, '--json'], env)).stdout);
    if (run.state === state) return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`run ${id} never reached ${state}`);
}
