import { request } from './api.js';
import { h, replace } from './dom.js';
import { age, cost, isTerminal, stateLabel } from './format.js';

const refreshMs = 2000;

/**
 * The list of runs, newest first, refreshed every two seconds while the tab is visible (the API
 * has no stream across runs; one small request is cheaper than a stream per run). Returns a
 * function that stops the refreshing.
 */
export async function showRunsList(main) {
  const body = h('tbody');
  const status = h('p', { class: 'muted list-status' });
  replace(
    main,
    h('h1', {}, 'Runs'),
    h(
      'table',
      { class: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['State', 'Task', 'Steps', 'Cost', 'Age', 'Run'].map((title) => h('th', {}, title)),
        ),
      ),
      body,
    ),
    status,
  );

  let stopped = false;
  async function refresh() {
    if (stopped || document.hidden) return;
    try {
      const page = await request('GET', '/v1/runs?limit=100');
      if (stopped) return;
      replace(body, page.data.map(row));
      status.textContent =
        page.data.length === 0
          ? 'No runs yet. Start one with `deskpilot run "…"`.'
          : page.has_more
            ? 'Showing the newest 100 runs.'
            : '';
    } catch (error) {
      status.textContent = `Could not load the runs: ${error.message}`;
    }
  }

  await refresh();
  const timer = setInterval(refresh, refreshMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function row(run) {
  const href = `/runs/${encodeURIComponent(run.id)}`;
  const live = !isTerminal(run.state);
  return h(
    'tr',
    { class: live ? 'live' : null, 'data-run-id': run.id },
    h(
      'td',
      {},
      h(
        'span',
        { class: `state ${run.state}`, 'data-state': run.state },
        live ? h('span', { class: 'pulse' }) : null,
        stateLabel(run.state),
      ),
    ),
    h('td', { class: 'task' }, h('a', { href, 'data-link': true }, run.task)),
    h('td', { class: 'num' }, `${run.steps_taken}/${run.max_steps}`),
    h('td', { class: 'num' }, cost(run.usage.cost_usd)),
    h('td', { class: 'num', title: run.created_at }, age(run.created_at)),
    h('td', { class: 'id' }, h('a', { href, 'data-link': true }, run.id)),
  );
}
