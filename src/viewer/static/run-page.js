import { followEvents, imageUrl, request } from './api.js';
import { h, replace } from './dom.js';
import { age, cost, isTerminal, runElapsed, stateLabel, tokens } from './format.js';
import { applyEvent, createRunModel } from './run-model.js';
import { createStepView } from './step-view.js';

/**
 * The page of one run: its header and controls, then the timeline of steps, kept live through the
 * event stream. Returns a function that stops everything the page started.
 */
export async function showRunPage(main, runId) {
  const stop = new AbortController();
  const images = lazyImages(stop.signal);
  const model = createRunModel(await request('GET', `/v1/runs/${encodeURIComponent(runId)}`));
  const views = new Map();

  const summary = h('section', { class: 'run-head' });
  const timeline = h('section', { class: 'timeline', 'aria-label': 'steps' });
  const connection = h('span', { class: 'connection' });
  replace(
    main,
    h('a', { href: '/', 'data-link': true, class: 'back' }, '← All runs'),
    summary,
    timeline,
  );

  const head = createHead(summary, connection);
  const redrawHead = () => head(model.run);
  const ticker = setInterval(() => {
    if (!isTerminal(model.run.state)) redrawHead();
  }, 1000);
  redrawHead();

  followEvents(runId, {
    signal: stop.signal,
    onConnection: (state) => setConnection(connection, state),
    onEvent: (event) => {
      const changed = applyEvent(model, event);
      if (changed.run) redrawHead();
      if (changed.step !== undefined) showStep(changed.step);
      if (changed.allSteps) for (const index of model.steps.keys()) showStep(index);
      if (isTerminal(model.run.state)) setConnection(connection, 'ended');
    },
  }).catch((error) => setConnection(connection, 'error', error.message));

  function showStep(index) {
    const step = model.steps.get(index);
    const existing = views.get(index);
    if (existing) return existing.update(step);

    const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
    const view = createStepView(step, { run: () => model.run, loadImage: images.load });
    views.set(index, view);
    timeline.append(view.element);
    // Follows a live run like a terminal does: only when the reader is already at the end.
    if (nearBottom && !isTerminal(model.run.state) && model.lastSeq > 3) {
      view.element.scrollIntoView({ block: 'start', behavior: 'smooth' });
    }
  }

  return () => {
    stop.abort();
    clearInterval(ticker);
    images.dispose();
  };
}

/**
 * The run's header: title, figures, controls and banners. The figures redraw every second while
 * the run goes; the controls only when the state changes, so a half-typed answer survives.
 */
function createHead(section, connection) {
  const title = h('div', { class: 'title-row' });
  const ids = h('p', { class: 'muted ids' });
  const stats = h('div', { class: 'stats' });
  const controlBox = h('div', { class: 'controls' });
  const bannerBox = h('div', { class: 'banners' });
  replace(section, title, ids, stats, controlBox, bannerBox);
  let shownState = null;

  return function redraw(run) {
    replace(
      title,
      h('span', { class: `state ${run.state}`, 'data-state': run.state }, stateLabel(run.state)),
      h('h1', {}, run.task),
    );
    const facts = [run.id, run.model, `machine ${run.machine_id}`, run.cua_version];
    ids.textContent = `${facts.join(' · ')} · created ${age(run.created_at)}`;
    renderStats(stats, run, connection);
    replace(bannerBox, banners(run));
    if (shownState !== run.state) {
      shownState = run.state;
      replace(controlBox, controls(run));
    }
  };
}

function renderStats(stats, run, connection) {
  const bar = h('div', { class: 'bar' });
  bar.style.width = `${Math.min(100, (run.steps_taken / run.max_steps) * 100)}%`;
  replace(
    stats,
    h(
      'div',
      { class: 'progress', title: `${run.steps_taken} of at most ${run.max_steps} steps` },
      bar,
    ),
    stat('steps', `${run.steps_taken}/${run.max_steps}`, 'steps'),
    stat('elapsed', runElapsed(run), 'elapsed'),
    stat(
      'tokens',
      `${tokens(run.usage.input_tokens)} in / ${tokens(run.usage.output_tokens)} out`,
      'tokens',
    ),
    stat('cost', cost(run.usage.cost_usd), 'cost'),
    connection,
  );
}

function stat(name, value, label) {
  return h(
    'div',
    { class: `stat ${name}` },
    h('span', { class: 'value' }, value),
    h('span', { class: 'label' }, label),
  );
}

function controls(run) {
  if (isTerminal(run.state)) return null;
  const error = h('span', { class: 'control-error', role: 'alert' });
  const act = (verb, body) => async (event) => {
    event.target.disabled = true;
    try {
      await request('POST', `/v1/runs/${encodeURIComponent(run.id)}/${verb}`, body?.());
    } catch (failure) {
      error.textContent = failure.message;
      event.target.disabled = false;
    }
  };
  const message = h('input', {
    type: 'text',
    class: 'resume-message',
    placeholder: 'Answer for the agent (optional)',
  });
  const messageBody = () => (message.value.trim() ? { message: message.value.trim() } : {});

  return [
    run.state === 'running'
      ? h('button', { type: 'button', class: 'pause', onclick: act('pause') }, 'Pause')
      : null,
    run.state === 'awaiting_human'
      ? [
          message,
          h(
            'button',
            { type: 'button', class: 'resume primary', onclick: act('resume', messageBody) },
            'Resume',
          ),
        ]
      : null,
    h('button', { type: 'button', class: 'cancel danger', onclick: act('cancel') }, 'Cancel run'),
    error,
  ];
}

function banners(run) {
  const list = [];
  if (run.awaiting_human) {
    const why = {
      agent_request: 'The agent asks for a human',
      user_paused: 'Paused',
      user_input_detected: 'Paused: someone used the mouse or keyboard',
    }[run.awaiting_human.reason];
    list.push(
      h(
        'div',
        { class: 'banner waiting' },
        h('strong', {}, `${why}. `),
        run.awaiting_human.message ?? '',
      ),
    );
  }
  if (run.result) {
    list.push(
      h('div', { class: 'banner result' }, h('strong', {}, 'Result: '), run.result.summary),
    );
    const verdict = run.result.verdict;
    if (verdict)
      list.push(
        h(
          'div',
          { class: `banner verdict ${verdict.passed ? 'passed' : 'failed'}` },
          h('strong', {}, verdict.passed ? 'Verifier passed: ' : 'Verifier did not pass: '),
          verdict.reason,
        ),
      );
  }
  if (run.error)
    list.push(
      h(
        'div',
        { class: 'banner error' },
        h('strong', {}, `${run.error.code}: `),
        run.error.message,
      ),
    );
  return list;
}

const connectionText = {
  live: '● live',
  reconnecting: '◌ reconnecting…',
  ended: '',
  error: 'stream error',
};

function setConnection(element, state, detail) {
  element.className = `connection ${state}`;
  element.textContent = connectionText[state] ?? '';
  element.title = detail ?? '';
}

/** Screenshots load when they come near the viewport, through fetch with the key. */
function lazyImages(signal) {
  const urls = [];
  const pending = new Map();
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        const path = pending.get(entry.target);
        pending.delete(entry.target);
        imageUrl(path).then(
          (url) => {
            if (signal.aborted) return URL.revokeObjectURL(url);
            urls.push(url);
            entry.target.src = url;
          },
          () => entry.target.classList.add('broken'),
        );
      }
    },
    { rootMargin: '600px' },
  );

  return {
    load(img, path) {
      pending.set(img, path);
      observer.observe(img);
    },
    dispose() {
      observer.disconnect();
      for (const url of urls) URL.revokeObjectURL(url);
    },
  };
}
