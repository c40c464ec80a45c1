import { describe, expect, it } from 'vitest';
import type { EventType, RunEvent } from '../../events/event.ts';
import { emptyUsage, type Run } from '../../runs/run.ts';
import { RunRenderer } from './run-renderer.ts';

// What `deskpilot run` prints for a run's events (NO_COLOR is not needed: tests have no TTY).

const created = '2026-01-01T00:00:00.000Z';
const run: Run = {
  id: 'run_1',
  object: 'run',
  state: 'queued',
  machine_id: 'local',
  task: 'Search for hello',
  cua_version: 'v4',
  model: 'scripted:x.json',
  max_steps: 10,
  deadline_seconds: 600,
  on_awaiting_human: 'pause',
  instructions: null,
  system_prompt: null,
  max_cost_usd: null,
  webhook_url: null,
  metadata: {},
  steps_taken: 0,
  usage: emptyUsage(),
  awaiting_human: null,
  result: null,
  error: null,
  created_at: created,
  started_at: null,
  finished_at: null,
  deadline_at: created,
};

let seq = 0;
function event(type: EventType, data: Record<string, unknown>, at = created): RunEvent {
  seq += 1;
  return { seq, type, run_id: 'run_1', created_at: at, data };
}

function render(events: RunEvent[]): string[] {
  const lines: string[] = [];
  const renderer = new RunRenderer(
    { line: (text) => lines.push(withoutColor(text)), status: () => {} },
    (id) => `http://v/runs/${id}`,
  );
  for (const item of events) renderer.render(item);
  return lines;
}

/** Colour depends on the terminal the tests run in; the words do not. */
function withoutColor(text: string): string {
  return text.replace(/\u001b\[\d+m/g, '');
}

describe('the run renderer', () => {
  it('prints a line per step with actions, progress, time and cost, then the outcome', () => {
    const usage = { ...emptyUsage(), cost_usd: 0.0123 };
    const lines = render([
      event('run.created', { run }),
      event('run.started', { machine_id: 'local' }),
      event('step.started', { step: 1 }),
      event('step.model', { step: 1, text: 'Clicking the field', usage }),
      event('step.action', { step: 1, index: 0, description: 'left click at (1, 2)' }),
      event('step.action', { step: 1, index: 1, description: 'type 5 characters' }),
      event('step.action_result', { step: 1, index: 1, status: 'error', error: 'no window' }),
      event('step.completed', { step: 1, usage }, '2026-01-01T00:00:07.000Z'),
      event('verification.completed', { step: 1, passed: true, reason: 'It is shown' }),
      event('run.succeeded', {
        run: {
          ...run,
          state: 'succeeded',
          steps_taken: 1,
          usage,
          finished_at: '2026-01-01T00:00:09.000Z',
          result: { summary: 'Found it', verdict: { passed: true, reason: 'It is shown' } },
        },
      }),
    ]);

    expect(lines).toEqual([
      'run_1 · scripted:x.json · machine local · up to 10 steps · v4',
      'task: Search for hello',
      'started on machine local',
      ' 1/10 ▕█░░░░░░░░░░░▏ 0:07 $0.0123  ' +
        'left click at (1, 2) · type 5 characters ✗ ' +
        'no window',
      '      “Clicking the field”',
      '✓ the verifier passed the result: It is shown',
      '✓ succeeded in 0:09 · 1 step · $0.0123',
      '  Found it',
      '  verdict: It is shown',
      '  view: http://v/runs/run_1',
    ]);
  });

  it('says when the agent asks for a human and how to answer', () => {
    const lines = render([
      event('run.created', { run }),
      event('run.awaiting_human', { reason: 'agent_request', message: 'Which account?' }),
    ]);

    expect(lines.slice(2)).toEqual([
      '⏸ the agent asks for a human: Which account?',
      '  continue with: deskpilot runs resume run_1 --message "…"',
    ]);
  });
});
