import { resumeSession, signIn, signOut } from './api.js';
import { h, replace } from './dom.js';
import { showRunPage } from './run-page.js';
import { showRunsList } from './runs-list.js';

// The viewer's entry: sign in, then route between the runs list (`/`) and a run (`/runs/{id}`)
// without reloading, so a page's stream and timers are stopped when the user leaves it.

const main = document.getElementById('main');
const signOutButton = document.getElementById('sign-out');
let leavePage = () => {};

async function start() {
  signOutButton.addEventListener('click', async () => {
    await signOut();
    location.assign('/');
  });
  document.addEventListener('click', followInternalLink);
  window.addEventListener('popstate', route);

  if (await resumeSession()) {
    signOutButton.hidden = false;
    return route();
  }
  showSignIn(new URLSearchParams(location.search).get('signin') === 'expired');
}

async function route() {
  leavePage();
  leavePage = () => {};
  const match = location.pathname.match(/^\/runs\/([^/]+)$/);
  try {
    leavePage = match
      ? await showRunPage(main, decodeURIComponent(match[1]))
      : await showRunsList(main);
  } catch (error) {
    replace(
      main,
      h('p', { class: 'banner error' }, error.message),
      h('a', { href: '/', 'data-link': true }, '← All runs'),
    );
  }
  document.title = match ? `${decodeURIComponent(match[1])} · deskpilot` : 'deskpilot';
}

function followInternalLink(event) {
  const link = event.target.closest('a[data-link]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  if (link.getAttribute('href') !== location.pathname)
    history.pushState(null, '', link.getAttribute('href'));
  window.scrollTo(0, 0);
  route();
}

function showSignIn(expired) {
  const key = h('input', {
    type: 'password',
    name: 'api_key',
    autocomplete: 'current-password',
    placeholder: 'dp_…',
    required: true,
  });
  const error = h(
    'p',
    { class: 'error', role: 'alert' },
    expired ? 'That sign-in link was used or has expired; run `deskpilot open` again.' : '',
  );
  const form = h(
    'form',
    { class: 'sign-in' },
    h('h1', {}, 'Sign in'),
    h(
      'p',
      {},
      'Run ',
      h('code', {}, 'deskpilot open'),
      ' to come here signed in, or paste the API key that ',
      h('code', {}, 'deskpilot key'),
      ' shows.',
    ),
    h('label', {}, 'API key', key),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await signIn(key.value.trim());
      history.replaceState(null, '', location.pathname);
      signOutButton.hidden = false;
      route();
    } catch (failure) {
      error.textContent = failure.status === 401 ? 'That key is not valid.' : failure.message;
    }
  });
  replace(main, form);
  key.focus();
}

start();
