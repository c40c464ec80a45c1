import { h, replace } from './dom.js';
import { cost, duration, shortDuration, tokens } from './format.js';
import { drawOverlay } from './overlay.js';

const phaseText = {
  capturing: 'looking at the screen…',
  thinking: 'waiting for the model…',
  acting: 'acting…',
  verifying: 'the verifier is checking…',
  interrupted: 'interrupted',
};

/**
 * One step of the timeline: the screenshot the model saw with its actions drawn on it, and beside
 * it the model's text, the actions in words, tokens and cost. `update` redraws all but the image.
 */
export function createStepView(step, { run, loadImage }) {
  const header = h('header', { class: 'step-head' });
  const frameBox = h('div', { class: 'frame' });
  const caption = h('figcaption');
  const details = h('div', { class: 'details' });
  const element = h(
    'article',
    { class: 'step', id: `step-${step.index}`, 'data-step': step.index },
    header,
    h('div', { class: 'step-body' }, h('figure', { class: 'shot' }, frameBox, caption), details),
  );
  // A click on the screenshot gives it the whole width of the page, and another takes it back.
  frameBox.addEventListener('click', () => element.classList.toggle('wide'));
  frameBox.title = 'Click to enlarge';
  let shownScreenshot = null;

  function update(current) {
    element.classList.toggle('live', !current.finishedAt && current.phase !== 'interrupted');
    renderHeader(header, current, run());
    renderDetails(details, current);
    if (!current.screenshot) return;

    if (shownScreenshot !== current.screenshot.id) {
      shownScreenshot = current.screenshot.id;
      replace(frameBox, screenshotImage(current, run(), loadImage));
      caption.textContent = frameCaption(current.screenshot);
    }
    frameBox.querySelector('svg.overlay')?.remove();
    frameBox.append(drawOverlay(current.screenshot, current.actions, current.pointerBefore));
  }

  update(step);
  return { element, update };
}

function screenshotImage(step, run, loadImage) {
  const { id, width, height } = step.screenshot;
  const img = h('img', {
    width,
    height,
    alt: `what the model saw before step ${step.index}`,
    class: 'screenshot',
    'data-screenshot-id': id,
  });
  loadImage(img, `/v1/runs/${encodeURIComponent(run.id)}/screenshots/${encodeURIComponent(id)}`);
  return img;
}

function frameCaption(frame) {
  const scaled = frame.width !== frame.screen_width || frame.height !== frame.screen_height;
  const screen = scaled ? ` of a ${frame.screen_width}×${frame.screen_height} screen` : '';
  return `${frame.width}×${frame.height} frame${screen}`;
}

function renderHeader(header, step, run) {
  const offset = duration(Date.parse(step.startedAt) - Date.parse(run.created_at));
  const took = step.finishedAt
    ? shortDuration(Date.parse(step.finishedAt) - Date.parse(step.startedAt))
    : null;
  const usage = step.usage;
  const phase = !step.finishedAt && phaseText[step.phase];

  replace(
    header,
    h('h3', {}, `Step ${step.index}`),
    phase ? h('span', { class: `phase ${step.phase}` }, phase) : null,
    h('span', { class: 'spacer' }),
    h(
      'span',
      { class: 'meta' },
      `at ${offset}`,
      took ? ` · took ${took}` : '',
      usage ? ` · ${usageText(usage)}` : '',
    ),
  );
}

function usageText(usage) {
  const counts = `${tokens(usage.input_tokens)} in / ${tokens(usage.output_tokens)} out`;
  return `${counts} · ${cost(usage.cost_usd)}`;
}

function renderDetails(details, step) {
  replace(
    details,
    step.text ? h('p', { class: 'model-text' }, step.text) : null,
    step.actions.length
      ? h('ol', { class: 'actions' }, step.actions.filter(Boolean).map(actionItem))
      : null,
    step.done ? h('p', { class: 'note done' }, h('strong', {}, 'Done: '), step.done.summary) : null,
    step.needsHuman
      ? h('p', { class: 'note ask' }, h('strong', {}, 'Asked a human: '), step.needsHuman.question)
      : null,
    step.verdict ? verdictNote(step.verdict) : null,
    !step.text && !step.actions.length && step.finishedAt
      ? h('p', { class: 'muted' }, 'No text and no action.')
      : null,
  );
}

const statusMarks = { ok: '✓', error: '✗', not_executed: '–', running: '…' };

function actionItem(entry) {
  const status = statusMarks[entry.status] ?? '';
  return h(
    'li',
    { class: `action ${entry.status}`, 'data-index': entry.index },
    h('span', { class: 'num' }, String(entry.index + 1)),
    h('span', { class: 'what' }, describe(entry)),
    screenHint(entry),
    h(
      'span',
      { class: 'status', title: entry.status },
      status,
      entry.duration_ms ? ` ${entry.duration_ms} ms` : '',
    ),
    entry.error ? h('div', { class: 'error' }, entry.error) : null,
  );
}

/** The words for an action; typed text is shown in full, since this page is the user's own. */
function describe(entry) {
  const action = entry.action;
  if (action.action === 'type') return `type “${action.text}”`;
  return entry.description;
}

/** Where the action landed on the screen, when that differs from the model's coordinates. */
function screenHint(entry) {
  const model = entry.action.coordinate;
  const screen = entry.screen_action?.coordinate;
  if (!model || !screen || (model[0] === screen[0] && model[1] === screen[1])) return null;
  return h('span', { class: 'screen' }, `screen (${screen.join(', ')})`);
}

function verdictNote(verdict) {
  return h(
    'p',
    { class: `note verdict ${verdict.passed ? 'passed' : 'failed'}` },
    h('strong', {}, verdict.passed ? 'Verifier passed: ' : 'Verifier did not pass: '),
    verdict.reason,
  );
}
