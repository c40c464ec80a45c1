// A run and its steps as its events describe them. The run page keeps one of these and redraws
// what each event changed; it works the same for a finished run (events replayed) and a live one.

export function createRunModel(run) {
  return { run, steps: new Map(), lastSeq: 0, pointer: null };
}

/**
 * Applies one event; returns what changed: `{ run: true }` and/or `{ step: index }`. Events at or
 * before the last one applied are ignored, so a replay after a reconnect changes nothing.
 */
export function applyEvent(model, event) {
  if (event.seq <= model.lastSeq) return {};
  model.lastSeq = event.seq;
  const data = event.data;
  const handler = handlers[event.type];
  return handler ? handler(model, data, event) : {};
}

const handlers = {
  'run.created': (model, data) => {
    model.run = data.run;
    return { run: true };
  },
  'run.started': (model) => patchRun(model, { state: 'running', awaiting_human: null }),
  'run.awaiting_human': (model, data, event) =>
    patchRun(model, {
      state: 'awaiting_human',
      awaiting_human: { reason: data.reason, message: data.message, since: event.created_at },
    }),
  'run.resumed': (model) => patchRun(model, { state: 'running', awaiting_human: null }),
  'step.started': (model, data, event) => {
    model.steps.set(data.step, newStep(data.step, event.created_at, model.pointer));
    return { step: data.step };
  },
  'step.screenshot': (model, data) =>
    changeStep(model, data.step, (step) => {
      step.screenshot = {
        id: data.screenshot_id,
        width: data.width,
        height: data.height,
        screen_width: data.screen_width,
        screen_height: data.screen_height,
        scale: data.scale,
      };
      step.phase = 'thinking';
    }),
  'step.model': (model, data) =>
    changeStep(model, data.step, (step) => {
      step.text = data.text ?? null;
      step.done = data.done ?? null;
      step.needsHuman = data.needs_human ?? null;
      step.usage = data.usage ?? step.usage;
      step.phase = 'acting';
    }),
  'step.action': (model, data) =>
    changeStep(model, data.step, (step) => {
      if (data.action.coordinate) model.pointer = data.action.coordinate;
      step.actions[data.index] = {
        index: data.index,
        action: data.action,
        screen_action: data.screen_action,
        description: data.description,
        status: 'running',
        error: null,
        duration_ms: null,
      };
    }),
  'step.action_result': (model, data) =>
    changeStep(model, data.step, (step) => {
      const action = step.actions[data.index];
      if (!action) return;
      action.status = data.status;
      action.error = data.error ?? null;
      action.duration_ms = data.duration_ms ?? null;
    }),
  'step.completed': (model, data, event) => {
    if (data.usage) model.run = { ...model.run, usage: data.usage, steps_taken: data.step };
    const changed = changeStep(model, data.step, (step) => {
      step.finishedAt = event.created_at;
      step.usage = data.step_usage ?? step.usage;
      step.phase = step.done ? 'done' : 'completed';
    });
    return { ...changed, run: true };
  },
  'verification.started': (model, data) =>
    changeStep(model, data.step, (step) => {
      step.phase = 'verifying';
    }),
  'verification.completed': (model, data) =>
    changeStep(model, data.step, (step) => {
      step.verdict = {
        passed: data.passed,
        reason: data.reason,
        screenshot_id: data.screenshot_id,
      };
      step.phase = 'completed';
    }),
  'run.succeeded': ended,
  'run.failed': ended,
  'run.cancelled': ended,
  'run.timed_out': ended,
};

function ended(model, data) {
  model.run = data.run;
  for (const step of model.steps.values()) if (!step.finishedAt) step.phase = 'interrupted';
  return { run: true, allSteps: true };
}

/** `pointerBefore`: where the pointer was left by earlier steps, where typing most likely goes. */
function newStep(index, startedAt, pointerBefore) {
  return {
    index,
    startedAt,
    pointerBefore,
    finishedAt: null,
    screenshot: null,
    text: null,
    done: null,
    needsHuman: null,
    actions: [],
    usage: null,
    verdict: null,
    phase: 'capturing',
  };
}

function patchRun(model, patch) {
  model.run = { ...model.run, ...patch };
  return { run: true };
}

function changeStep(model, index, change) {
  const step = model.steps.get(index);
  if (!step) return {};
  change(step);
  return { step: index };
}
