import { followRunUpdates, request } from './api.js';
import { h, replace } from './dom.js';
import { age, cost, isTerminal, stateLabel } from './format.js';

const pageSize = 100;
const pollMs = 2000;
const ageTickMs = 1000;

/**
 * The list of runs, newest first, kept live by the stream of run updates: each update replaces
 * its run's row. That stream replays nothing, so the list is read again each time it comes up,
 * and while it is down the list is polled every two seconds instead. Returns a function that
 * stops it all.
 */
export async function showRunsList(main) {
  const body = h('tbody');
  const status = h('p', { class: 'muted list-status' }, 'Loading…');
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

  const stop = new AbortController();
  const list = createList(body, status);
  let pollTimer = null;

  function startPolling() {
    if (pollTimer !== null || stop.signal.aborted) return;
    list.refresh();
    pollTimer = setInterval(() => document.hidden || list.refresh(), pollMs);
  }
  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  followRunUpdates({
    signal: stop.signal,
    onConnection: (state) => {
      if (state !== 'live') return startPolling();
      stopPolling();
      list.refresh();
    },
    onRun: list.update,
    // A refused stream (the session ended, say) is not retried; polling shows why it fails.
  }).catch(startPolling);

  const ageTimer = setInterval(() => {
    for (const cell of body.querySelectorAll('td.age')) cell.textContent = age(cell.title);
  }, ageTickMs);

  return () => {
    stop.abort();
    stopPolling();
    clearInterval(ageTimer);
  };
}

/**
 * The runs shown and their rows. A listing replaces them all; an update replaces one run. Updates
 * that arrive while a listing is on its way are applied again after it, since the listing may
 * have been read before them.
 */
function createList(body, status) {
  const runs = new Map();
  let hasMore = false;
  let arrivedDuringListing = null;

  function render() {
    const newest = [...runs.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
    for (const run of newest.slice(pageSize)) runs.delete(run.id);
    hasMore ||= newest.length > pageSize;
    replace(body, newest.slice(0, pageSize).map(row));
    status.textContent =
      runs.size === 0
        ? 'No runs yet. Start one with `deskpilot run "…"`.'
        : hasMore
          ? `Showing the newest ${pageSize} runs.`
          : '';
  }

  function update(run) {
    arrivedDuringListing?.set(run.id, run);
    const known = runs.has(run.id);
    // A run older than every listed one, when more exist, belongs to a page the list does not show.
    if (!known && hasMore && [...runs.keys()].every((id) => id > run.id)) return;
    runs.set(run.id, run);
    const current = known && body.querySelector(`tr[data-run-id="${CSS.escape(run.id)}"]`);
    if (current) current.replaceWith(row(run));
    else render();
  }

  async function refresh() {
    const arrived = new Map();
    arrivedDuringListing = arrived;
    let page;
    try {
      page = await request('GET', `/v1/runs?limit=${pageSize}`);
    } catch (error) {
      status.textContent = `Could not load the runs: ${error.message}`;
      return;
    } finally {
      if (arrivedDuringListing === arrived) arrivedDuringListing = null;
    }
    runs.clear();
    for (const run of page.data) runs.set(run.id, run);
    hasMore = page.has_more;
    render();
    for (const run of arrived.values()) update(run);
  }

  return { update, refresh };
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
    h('td', { class: 'num age', title: run.created_at }, age(run.created_at)),
    h('td', { class: 'id' }, h('a', { href, 'data-link': true }, run.id)),
  );
}
