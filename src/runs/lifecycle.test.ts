import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../actions/action.ts';
import type { ModelProvider } from '../models/model-registry.ts';
import type { AgentTurn, Observation, VisionModel } from '../models/vision-model.ts';
import { zeroUsage } from '../models/vision-model.ts';
import { DaemonHarness } from '../testing/daemon-harness.ts';

let harness: DaemonHarness;

afterEach(async () => {
  await harness.stop();
});

/**
 * A fake at the `VisionModel` boundary that answers from a list of turns and keeps every
 * observation it was shown, so a test can check what reached the agent.
 */
function recordingProvider(
  turns: Partial<AgentTurn>[],
  verdicts: { passed: boolean; reason: string }[] = [],
) {
  const seen: Observation[] = [];
  const model: VisionModel = {
    id: 'recording:model',
    frameSpec: (screen) => ({ maxWidth: screen.width, maxHeight: screen.height, format: 'png' }),
    startSession: () => ({
      estimateNextCostUsd: () => 0,
      next: async (observation) => {
        seen.push(observation);
        const turn = turns.shift();
        if (!turn) throw new Error('the recording model has no turn left');
        return {
          text: null,
          actions: [],
          usage: zeroUsage(),
          costUsd: 0,
          modelCalls: 1,
          retries: [],
          ...turn,
        };
      },
    }),
    verify: async () => ({ ...verdicts.shift()!, usage: zeroUsage(), costUsd: 0, modelCalls: 1 }),
  };
  const provider: ModelProvider = { name: 'recording', create: () => model };
  return { provider, seen };
}

const click = (x: number, y: number): Action => ({ action: 'left_click', coordinate: [x, y] });

describe('run lifecycle', () => {
  it('takes a v3 run from queued to succeeded with the agent summary', async () => {
    harness = await DaemonHarness.start();
    const model = harness.script({
      turns: [{ actions: [click(10, 10)] }, { done: true, text: 'all done' }],
    });
    const run = await harness.createRun({ task: 'x', model });

    const finished = await harness.waitForState(run.id, ['succeeded']);
    expect(finished.result).toEqual({ summary: 'all done', verdict: null });
    expect(finished.steps_taken).toBe(2);
    expect(finished.usage).toMatchObject({ steps: 2, model_calls: 2 });
    expect(finished.started_at).not.toBeNull();
    expect(finished.finished_at).not.toBeNull();

    const types = (await harness.events(run.id)).map((event) => event.type);
    expect(types).toEqual([
      'run.created',
      'run.queued',
      'run.started',
      'step.started',
      'step.screenshot',
      'step.model',
      'step.action',
      'step.action_result',
      'step.completed',
      'step.started',
      'step.screenshot',
      'step.model',
      'step.completed',
      'run.succeeded',
    ]);
  });

  it('numbers events from 1 without gaps and ends with the final run object', async () => {
    harness = await DaemonHarness.start();
    const run = await harness.createRun({
      task: 'x',
      model: harness.script({ turns: [{ done: true }] }),
    });
    await harness.waitForState(run.id, ['succeeded']);

    const events = await harness.events(run.id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    const last = events.at(-1)!;
    expect(last.data['run']).toEqual(await harness.getRun(run.id));
  });

  it('fails with max_steps_exceeded after exactly max_steps steps', async () => {
    harness = await DaemonHarness.start();
    const turns = Array.from({ length: 10 }, (_, i) => ({ actions: [click(i, i)] }));
    const run = await harness.createRun({
      task: 'x',
      max_steps: 3,
      model: harness.script({ turns }),
    });

    const failed = await harness.waitForState(run.id, ['failed']);
    expect(failed.error?.code).toBe('max_steps_exceeded');
    expect(failed.steps_taken).toBe(3);
    expect(harness.backend.desktops[0]!.performed).toHaveLength(3);
  });

  it('fails with model_error when the script runs out of turns', async () => {
    harness = await DaemonHarness.start();
    const run = await harness.createRun({
      task: 'x',
      model: harness.script({ turns: [{ actions: [click(1, 1)] }] }),
    });
    const failed = await harness.waitForState(run.id, ['failed']);
    expect(failed.error).toMatchObject({ code: 'model_error' });
    expect(failed.error?.message).toMatch(/ran out of turns/);
  });

  it('times out a running run at its deadline and aborts the model call', async () => {
    harness = await DaemonHarness.start();
    const run = await harness.createRun({
      task: 'x',
      deadline_seconds: 1,
      model: harness.script({ turns: [{ delay_ms: 60_000, actions: [click(1, 1)] }] }),
    });
    const ended = await harness.waitForState(run.id, ['timed_out'], 5000);
    expect(ended.error).toMatchObject({ code: 'deadline_exceeded' });
    expect(harness.backend.desktops[0]!.performed).toHaveLength(0);
  });

  it('times out a queued run whose machine never frees up', async () => {
    harness = await DaemonHarness.start();
    const slow = harness.script({ turns: [{ delay_ms: 60_000 }] });
    await harness.createRun({ task: 'holds the machine', model: slow });
    const waiting = await harness.createRun({ task: 'waits', model: slow, deadline_seconds: 1 });

    const ended = await harness.waitForState(waiting.id, ['timed_out'], 5000);
    expect(ended.started_at).toBeNull();
    expect(ended.error).toMatchObject({ code: 'deadline_exceeded' });
  });

  it('times out a run that waits for a human', async () => {
    harness = await DaemonHarness.start();
    const model = harness.script({ turns: [{ needs_human: 'which account?' }] });
    const run = await harness.createRun({ task: 'x', model, deadline_seconds: 1 });
    await harness.waitForState(run.id, ['awaiting_human']);
    const ended = await harness.waitForState(run.id, ['timed_out'], 5000);
    expect(ended.awaiting_human).toBeNull();
  });

  it('fails with budget_exceeded before the call that would pass the budget', async () => {
    harness = await DaemonHarness.start();
    const turns = Array.from({ length: 5 }, () => ({ actions: [click(1, 1)], cost_usd: 0.4 }));
    const run = await harness.createRun({
      task: 'x',
      max_cost_usd: 1,
      model: harness.script({ turns }),
    });

    const failed = await harness.waitForState(run.id, ['failed']);
    expect(failed.error?.code).toBe('budget_exceeded');
    expect(failed.usage.cost_usd).toBe(0.8);
    expect(failed.usage.model_calls).toBe(2);
  });

  it('keeps terminal states final', async () => {
    harness = await DaemonHarness.start();
    const run = await harness.createRun({
      task: 'x',
      model: harness.script({ turns: [{ done: true }] }),
    });
    await harness.waitForState(run.id, ['succeeded']);
    for (const verb of ['cancel', 'pause', 'resume']) {
      const response = await harness.request(`/v1/runs/${run.id}/${verb}`, { method: 'POST' });
      expect(response.status, verb).toBe(409);
    }
    expect((await harness.getRun(run.id)).state).toBe('succeeded');
  });
});

describe('cancel and pause', () => {
  it('cancels during a slow model call and performs no further action', async () => {
    harness = await DaemonHarness.start();
    const model = harness.script({
      turns: [{ actions: [click(1, 1)] }, { delay_ms: 60_000, actions: [click(2, 2)] }],
    });
    const run = await harness.createRun({ task: 'x', model });
    await waitForEvent(run.id, 'step.started', 2);

    const started = Date.now();
    const response = await harness.request(`/v1/runs/${run.id}/cancel`, { method: 'POST' });
    expect((await response.json()).state).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(Date.now() - started).toBeLessThan(2000);
    expect(harness.backend.desktops[0]!.performed).toEqual([click(1, 1)]);
    const types = (await harness.events(run.id)).map((event) => event.type);
    expect(types.at(-1)).toBe('run.cancelled');
    expect(harness.daemon.machines.get('local').state).toBe('ready');
  });

  it('pauses before the next action and resumes where it stopped', async () => {
    harness = await DaemonHarness.start();
    const { provider, seen } = recordingProvider([
      { actions: [click(1, 1), click(2, 2), click(3, 3)] },
      { done: { summary: 'finished' } },
    ]);
    harness = await restartWith(provider);
    harness.backend.desktops[0]!.actionDelayMs = 150;
    const run = await harness.createRun({ task: 'x', model: 'recording:model' });
    await waitForEvent(run.id, 'step.action', 1);

    const paused = await (
      await harness.request(`/v1/runs/${run.id}/pause`, { method: 'POST' })
    ).json();
    expect(paused.state).toBe('awaiting_human');
    expect(paused.awaiting_human).toMatchObject({ reason: 'user_paused' });
    await waitForEvent(run.id, 'step.completed', 1);
    expect(harness.backend.desktops[0]!.performed.length).toBeLessThan(3);

    const resumed = await harness.request(`/v1/runs/${run.id}/resume`, {
      method: 'POST',
      json: { message: 'go on' },
    });
    expect((await resumed.json()).state).toBe('running');
    await harness.waitForState(run.id, ['succeeded']);

    const second = seen[1]!;
    expect(second.humanReply).toBe('go on');
    expect(second.results.map((result) => result.status)).toContain('not_executed');
  });
});

describe('a person at the screen', () => {
  it('hands the screen over when someone moves the pointer while the model thinks', async () => {
    harness = await DaemonHarness.start();
    const model = harness.script({
      turns: [
        { actions: [click(10, 10)] },
        { delay_ms: 300, actions: [click(20, 20)] },
        { actions: [click(30, 30)] },
        { done: true, text: 'finished after the person' },
      ],
    });
    const run = await harness.createRun({ task: 'x', model });
    await waitForEvent(run.id, 'step.started', 2);
    const desktop = harness.backend.desktops[0]!;
    desktop.movePointerByHand([500, 400]);

    const waiting = await harness.waitForState(run.id, ['awaiting_human']);
    expect(waiting.awaiting_human).toMatchObject({ reason: 'user_input_detected' });
    await waitForEvent(run.id, 'step.completed', 2);
    expect(desktop.performed).toEqual([click(10, 10)]);

    await harness.request(`/v1/runs/${run.id}/resume`, { method: 'POST' });
    const done = await harness.waitForState(run.id, ['succeeded']);
    expect(done.result?.summary).toBe('finished after the person');
    expect(desktop.performed).toEqual([click(10, 10), click(30, 30)]);
  });

  it('leaves the pointer alone when told not to watch it', async () => {
    harness = await DaemonHarness.start({
      loopOptions: { noProgressWarnAfter: 3, noProgressFailAfter: 5, pauseOnUserInput: false },
    });
    const model = harness.script({
      turns: [
        { actions: [click(10, 10)] },
        { delay_ms: 300, actions: [click(20, 20)] },
        { done: true },
      ],
    });
    const run = await harness.createRun({ task: 'x', model });
    await waitForEvent(run.id, 'step.started', 2);
    harness.backend.desktops[0]!.movePointerByHand([500, 400]);
    await harness.waitForState(run.id, ['succeeded']);
    expect(harness.backend.desktops[0]!.performed).toHaveLength(2);
  });
});

describe('asking for a human', () => {
  it('waits for resume under the pause policy and hands the answer to the agent', async () => {
    const { provider, seen } = recordingProvider([
      { needsHuman: { question: 'Which account should I use?' } },
      { done: { summary: 'used the work account' } },
    ]);
    harness = await DaemonHarness.start({ providers: [provider] });
    const run = await harness.createRun({ task: 'log in', model: 'recording:model' });

    const waiting = await harness.waitForState(run.id, ['awaiting_human']);
    expect(waiting.awaiting_human).toMatchObject({
      reason: 'agent_request',
      message: 'Which account should I use?',
    });

    await harness.request(`/v1/runs/${run.id}/resume`, {
      method: 'POST',
      json: { message: 'the work one' },
    });
    const done = await harness.waitForState(run.id, ['succeeded']);
    expect(done.result?.summary).toBe('used the work account');
    expect(seen[1]!.humanReply).toBe('the work one');
    const types = (await harness.events(run.id)).map((event) => event.type);
    expect(types).toContain('run.awaiting_human');
    expect(types).toContain('run.resumed');
  });

  it.each([
    ['fail', 'failed'],
    ['cancel', 'cancelled'],
  ] as const)('ends the run under the %s policy', async (policy, state) => {
    harness = await DaemonHarness.start();
    const model = harness.script({ turns: [{ needs_human: 'password?' }] });
    const run = await harness.createRun({ task: 'x', model, on_awaiting_human: policy });
    const ended = await harness.waitForState(run.id, [state]);
    expect(ended.error?.code).toBe('awaiting_human');
  });
});

describe('v4 verification', () => {
  it('sends a failed verdict back to the agent and succeeds on a pass', async () => {
    const { provider, seen } = recordingProvider(
      [
        { done: { summary: 'first try' } },
        { actions: [click(4, 4)] },
        { done: { summary: 'second try' } },
      ],
      [
        { passed: false, reason: 'the total is not in the sheet' },
        { passed: true, reason: 'the sheet shows the total' },
      ],
    );
    harness = await DaemonHarness.start({ providers: [provider] });
    const run = await harness.createRun({
      task: 'copy the total',
      model: 'recording:model',
      cua_version: 'v4',
    });

    const done = await harness.waitForState(run.id, ['succeeded']);
    expect(done.result).toEqual({
      summary: 'second try',
      verdict: { passed: true, reason: 'the sheet shows the total' },
    });
    expect(seen[1]!.verifierFeedback).toBe('the total is not in the sheet');

    const verdicts = (await harness.events(run.id)).filter(
      (event) => event.type === 'verification.completed',
    );
    expect(verdicts.map((event) => event.data['passed'])).toEqual([false, true]);
  });

  it('fails with verification_failed when steps run out after a failed verdict', async () => {
    harness = await DaemonHarness.start();
    const model = harness.script({
      turns: [{ done: true }],
      verdicts: [{ passed: false, reason: 'nope' }],
    });
    const run = await harness.createRun({ task: 'x', model, cua_version: 'v4', max_steps: 1 });
    const failed = await harness.waitForState(run.id, ['failed']);
    expect(failed.error?.code).toBe('verification_failed');
  });
});

describe('scheduling', () => {
  it('runs one run at a time per machine, the rest in creation order', async () => {
    harness = await DaemonHarness.start();
    harness.backend.desktops.length = 0;
    const model = harness.script({
      turns: [{ actions: [click(1, 1)], delay_ms: 50 }, { done: true }],
    });
    const runs = [];
    for (let i = 0; i < 3; i += 1) runs.push(await harness.createRun({ task: `t${i}`, model }));

    expect((await harness.getRun(runs[1]!.id)).state).toBe('queued');
    const finished = [];
    for (const run of runs) finished.push(await harness.waitForState(run.id, ['succeeded']));

    const intervals = finished.map((run) => [
      Date.parse(run.started_at!),
      Date.parse(run.finished_at!),
    ]);
    for (let i = 1; i < intervals.length; i += 1) {
      expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]!);
    }
  });

  it('ends the run machine_lost when its display dies, and keeps serving', async () => {
    harness = await DaemonHarness.start();
    const model = harness.script({ turns: [{ delay_ms: 60_000 }] });
    const run = await harness.createRun({ task: 'x', model });
    await harness.waitForState(run.id, ['running']);

    harness.backend.desktops[0]!.loseDisplay('the X server died');
    const failed = await harness.waitForState(run.id, ['failed']);
    expect(failed.error).toMatchObject({ code: 'machine_lost' });
    expect(failed.error?.message).toMatch(/X server died/);

    const machines = await (await harness.request('/v1/machines')).json();
    expect(machines.data.length).toBeGreaterThan(0);
  });

  it('fails a run with no_progress when the screen and actions stop changing', async () => {
    const { provider, seen } = recordingProvider(
      Array.from({ length: 10 }, () => ({ text: 'still looking' })),
    );
    harness = await DaemonHarness.start({
      providers: [provider],
      loopOptions: { noProgressWarnAfter: 2, noProgressFailAfter: 4 },
    });
    const run = await harness.createRun({ task: 'x', model: 'recording:model' });
    const failed = await harness.waitForState(run.id, ['failed']);
    expect(failed.error?.code).toBe('no_progress');
    expect(failed.steps_taken).toBe(4);
    expect(seen[2]!.notice).toMatch(/Nothing has changed/);
  });
});

async function waitForEvent(runId: string, type: string, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const events = await harness.events(runId);
    if (events.filter((event) => event.type === type).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no ${count}× ${type} for ${runId}`);
}

async function restartWith(provider: ModelProvider): Promise<DaemonHarness> {
  await harness.stop();
  return DaemonHarness.start({ providers: [provider] });
}
