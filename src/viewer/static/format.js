// Formatting shared by the runs list and the run page.

export function cost(usd) {
  return `$${(usd ?? 0).toFixed(4)}`;
}

/** `0:07`, `12:30`, `1:02:03`. */
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`;
  return `${minutes}:${seconds}`;
}

/** A step's length: `0.8 s`, `12 s`, then `1:05`. */
export function shortDuration(ms) {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return duration(ms);
}

export function age(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

export function tokens(count) {
  return count >= 10000 ? `${(count / 1000).toFixed(1)}k` : String(count ?? 0);
}

export const terminalStates = ['succeeded', 'failed', 'cancelled', 'timed_out'];

export function isTerminal(state) {
  return terminalStates.includes(state);
}

/** How long a run has taken so far, or took. */
export function runElapsed(run, now = Date.now()) {
  const end = run.finished_at ? Date.parse(run.finished_at) : now;
  return duration(end - Date.parse(run.created_at));
}

export function stateLabel(state) {
  return state.replaceAll('_', ' ');
}
