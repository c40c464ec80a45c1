import type { RunEvent } from '../../events/event.ts';
import type { Run } from '../../runs/run.ts';
import { bar, cost, duration, oneLine } from '../output/format.ts';
import { stateText, style } from '../output/style.ts';

export interface Printer {
  /** A permanent line. */
  line(text: string): void;
  /** The transient status under the lines; may be ignored. */
  status(text: string): void;
}

interface StepInProgress {
  index: number;
  text: string | null;
  done: boolean;
  actions: { description: string; error: string | null }[];
  phase: string;
}

const awaitingWords: Record<string, string> = {
  agent_request: 'the agent asks for a human',
  user_paused: 'paused',
  user_input_detected: 'paused: someone used the mouse or keyboard',
};

/**
 * Turns a run's events into what `deskpilot run` and `runs watch` print: a header, one line per
 * step (its actions in words, the progress against `max_steps`, the elapsed time and the cost so
 * far), the moments a human is needed or the verifier speaks, and the outcome.
 */
export class RunRenderer {
  readonly #out: Printer;
  readonly #viewerUrl: (runId: string) => string;
  #run: Run | null = null;
  #step: StepInProgress | null = null;
  #costUsd = 0;
  #stepsTaken = 0;
  #phase = 'queued';

  constructor(out: Printer, viewerUrl: (runId: string) => string) {
    this.#out = out;
    this.#viewerUrl = viewerUrl;
  }

  /** The run as the events so far describe it; complete once the terminal event is seen. */
  get run(): Run | null {
    return this.#run;
  }

  render(event: RunEvent): void {
    const data = event.data;
    switch (event.type) {
      case 'run.created':
        return this.#created(data['run'] as Run);
      case 'run.started':
        this.#phase = 'running';
        return this.#out.line(style.dim(`started on machine ${String(data['machine_id'])}`));
      case 'step.started':
        this.#step = {
          index: Number(data['step']),
          text: null,
          done: false,
          actions: [],
          phase: '',
        };
        return this.#setPhase('looking at the screen');
      case 'step.screenshot':
        return this.#setPhase('waiting for the model');
      case 'step.model':
        return this.#model(data);
      case 'step.action':
        this.#step?.actions.push({ description: String(data['description']), error: null });
        return this.#setPhase(`doing: ${String(data['description'])}`);
      case 'step.action_result':
        return this.#actionResult(data);
      case 'step.completed':
        return this.#stepCompleted(event);
      case 'run.awaiting_human':
        return this.#awaitingHuman(event);
      case 'run.resumed':
        return this.#resumed(data);
      case 'verification.started':
        return this.#setPhase('the verifier is checking the result');
      case 'verification.completed':
        return this.#verdict(data);
      case 'run.succeeded':
      case 'run.failed':
      case 'run.cancelled':
      case 'run.timed_out':
        return this.#ended(data['run'] as Run);
      default:
        return undefined;
    }
  }

  /** Redraws the status line, so that the elapsed time moves between events. */
  tick(): void {
    if (this.#run) this.#out.status(this.#statusLine(this.#run));
  }

  #created(run: Run): void {
    this.#run = run;
    const facts = [run.model, `machine ${run.machine_id}`, `up to ${run.max_steps} steps`];
    this.#out.line(
      `${style.bold(run.id)} ${style.dim(`· ${facts.join(' · ')} · ${run.cua_version}`)}`,
    );
    this.#out.line(`task: ${oneLine(run.task, 200)}`);
  }

  #model(data: Record<string, unknown>): void {
    if (this.#step) {
      this.#step.text = typeof data['text'] === 'string' ? data['text'] : null;
      this.#step.done = Boolean(data['done']);
    }
    const usage = data['usage'] as { cost_usd?: number } | undefined;
    this.#costUsd += usage?.cost_usd ?? 0;
    this.#setPhase(data['done'] ? 'the agent says it is done' : 'acting');
  }

  #actionResult(data: Record<string, unknown>): void {
    const entry = this.#step?.actions[Number(data['index'])];
    if (entry && data['status'] === 'error') entry.error = String(data['error']);
  }

  #stepCompleted(event: RunEvent): void {
    const usage = event.data['usage'] as { cost_usd: number };
    this.#costUsd = usage.cost_usd;
    this.#stepsTaken = Number(event.data['step']);
    const step = this.#step;
    this.#step = null;
    if (!this.#run) return;

    const max = this.#run.max_steps;
    const progress = `${String(this.#stepsTaken).padStart(String(max).length)}/${max}`;
    const elapsed = duration(Date.parse(event.created_at) - Date.parse(this.#run.created_at));
    const spent = cost(this.#costUsd);
    const figures = `${progress} ${bar(this.#stepsTaken, max, 12)} ${elapsed} ${spent}`;
    this.#out.line(`${figures}  ${stepActions(step)}`);

    const indent = ' '.repeat(progress.length + 1);
    if (step?.text) this.#out.line(style.dim(`${indent}“${oneLine(step.text, 160)}”`));
    this.tick();
  }

  #awaitingHuman(event: RunEvent): void {
    this.#phase = 'awaiting_human';
    const reason = String(event.data['reason']);
    const message = event.data['message'] ? `: ${oneLine(String(event.data['message']), 300)}` : '';
    const answer = reason === 'agent_request' ? ' --message "…"' : '';
    this.#out.line(style.yellow(`⏸ ${awaitingWords[reason] ?? reason}${message}`));
    this.#out.line(style.dim(`  continue with: deskpilot runs resume ${event.run_id}${answer}`));
    this.tick();
  }

  #resumed(data: Record<string, unknown>): void {
    this.#phase = 'running';
    const message = data['message'] ? ` with: ${oneLine(String(data['message']), 200)}` : '';
    this.#out.line(style.cyan(`▶ resumed${message}`));
  }

  #verdict(data: Record<string, unknown>): void {
    const reason = oneLine(String(data['reason'] ?? ''), 300);
    if (data['passed']) {
      this.#out.line(style.green(`✓ the verifier passed the result: ${reason}`));
    } else {
      this.#out.line(style.yellow(`✗ the verifier did not pass it: ${reason}; back to work`));
    }
  }

  #ended(run: Run): void {
    this.#run = run;
    this.#phase = run.state;
    const took = duration(
      Date.parse(run.finished_at ?? run.created_at) - Date.parse(run.created_at),
    );
    const steps = `${run.steps_taken} step${run.steps_taken === 1 ? '' : 's'}`;
    const facts = `in ${took} · ${steps} · ${cost(run.usage.cost_usd)}`;
    const mark = run.state === 'succeeded' ? style.green('✓') : style.red('✗');
    const code = run.error ? ` (${run.error.code})` : '';
    this.#out.line(`${mark} ${stateText(run.state)}${code} ${style.dim(facts)}`);

    if (run.result?.summary) this.#out.line(`  ${run.result.summary}`);
    if (run.result?.verdict) this.#out.line(style.dim(`  verdict: ${run.result.verdict.reason}`));
    if (run.error) this.#out.line(`  ${run.error.message}`);
    this.#out.line(style.dim(`  view: ${this.#viewerUrl(run.id)}`));
  }

  #setPhase(phase: string): void {
    if (this.#step) this.#step.phase = phase;
    this.tick();
  }

  #statusLine(run: Run): string {
    const elapsed = duration(Date.now() - Date.parse(run.created_at));
    const doing = this.#step
      ? `step ${this.#step.index}: ${this.#step.phase}`
      : this.#phase.replaceAll('_', ' ');
    const steps = `${this.#stepsTaken}/${run.max_steps}`;
    const progress = `${bar(this.#stepsTaken, run.max_steps, 12)} ${steps}`;
    return `${progress} · ${elapsed} · ${cost(this.#costUsd)} · ${doing}`;
  }
}

function stepActions(step: StepInProgress | null): string {
  const actions = (step?.actions ?? []).map((entry) =>
    entry.error
      ? `${entry.description} ${style.red(`✗ ${oneLine(entry.error, 80)}`)}`
      : entry.description,
  );
  if (step?.done) actions.push(style.green('done'));
  return actions.length > 0 ? actions.join(' · ') : style.dim('no action');
}
