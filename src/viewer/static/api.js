// The viewer's client of the daemon: the key comes from the signed-in session and travels only in
// a header. EventSource cannot send headers, so the event stream is read with fetch.

let apiKey = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'unexpected_response';
  }
}

/** Signs in with the session cookie, if there is one; false when the user must sign in. */
export async function resumeSession() {
  const response = await fetch('/session', { credentials: 'same-origin' });
  if (response.status === 401) return false;
  if (!response.ok) throw await errorOf(response);
  apiKey = (await response.json()).api_key;
  return true;
}

export async function signIn(key) {
  const response = await fetch('/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: key }),
  });
  if (!response.ok) throw await errorOf(response);
  return resumeSession();
}

export async function signOut() {
  await fetch('/session', { method: 'DELETE' });
  apiKey = null;
}

export async function request(method, path, body) {
  const response = await send(method, path, body === undefined ? {} : { body });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

/** An image from the API as a blob URL for an `<img>`; revoke it when the image goes away. */
export async function imageUrl(path) {
  const response = await send('GET', path, {});
  if (!response.ok) throw await errorOf(response);
  return URL.createObjectURL(await response.blob());
}

function send(method, path, { body, headers = {}, signal }) {
  return fetch(path, {
    method,
    signal,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function errorOf(response) {
  const text = await response.text();
  try {
    return new ApiError(response.status, JSON.parse(text).error);
  } catch {
    return new ApiError(response.status, null);
  }
}

/**
 * Follows a run's events from the start to the terminal event, calling `onEvent` for each. A
 * dropped stream is reopened with Last-Event-ID, so nothing is missed or seen twice;
 * `onConnection` hears 'live' and 'reconnecting'. Stops when `signal` aborts.
 */
export function followEvents(runId, { onEvent, onConnection, signal }) {
  let after = 0;
  return followStream(`/v1/runs/${encodeURIComponent(runId)}/events`, {
    headers: () => ({ 'last-event-id': String(after) }),
    onEvent: (event) => {
      after = event.seq;
      onEvent(event);
      return terminalTypes.includes(event.type);
    },
    onConnection,
    signal,
  });
}

/**
 * Follows `GET /v1/events`: `onRun` gets the current object of every run that changes, from the
 * moment `onConnection` hears 'live'. Nothing is replayed, so whoever lists runs does it after
 * each 'live'. Reopens a dropped stream by itself until `signal` aborts.
 */
export function followRunUpdates({ onRun, onConnection, signal }) {
  return followStream('/v1/events', {
    headers: () => ({}),
    onEvent: (run) => {
      onRun(run);
      return false;
    },
    onConnection,
    signal,
  });
}

/**
 * Reads an event stream, reopening it with a growing pause whenever it drops or ends, until
 * `onEvent` returns true or `signal` aborts. A refusal (4xx) is final and rejects.
 */
async function followStream(path, { headers, onEvent, onConnection, signal }) {
  let failures = 0;

  while (!signal.aborted) {
    try {
      const response = await send('GET', path, {
        headers: { accept: 'text/event-stream', ...headers() },
        signal,
      });
      if (!response.ok) throw await errorOf(response);
      onConnection('live');
      failures = 0;

      for await (const item of readEvents(response.body)) {
        if (onEvent(item)) return;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status < 500) throw error;
    }
    failures += 1;
    onConnection('reconnecting');
    await sleep(Math.min(250 * 2 ** failures, 5000), signal);
  }
}

const terminalTypes = ['run.succeeded', 'run.failed', 'run.cancelled', 'run.timed_out'];

/** Server-Sent Events from a byte stream: `id`, `event` and `data` fields; comments ignored. */
export async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data = [];

  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();

    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) yield JSON.parse(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      }
      // `id:` and `event:` add nothing the JSON data lacks (a run update is the run itself, and a
      // run event holds its seq and type); `:` lines are pings.
    }
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
