import { api, session, whenUnauthorized } from './api.js';
import { h } from './dom.js';
import { disposeCharts } from './charts.js';
import { overviewPage } from './pages/overview.js';
import { tracesPage } from './pages/traces.js';
import { tracePage } from './pages/trace.js';
import { alertsPage } from './pages/alerts.js';
import { promptsPage, promptPage } from './pages/prompts.js';
import { loopPage } from './pages/loop.js';
import { costsPage } from './pages/costs.js';

const routes = [
  { pattern: /^\/$/, page: 'overview', render: overviewPage },
  { pattern: /^\/traces\/?$/, page: 'traces', render: tracesPage },
  { pattern: /^\/traces\/([^/]+)$/, page: 'traces', render: tracePage },
  { pattern: /^\/alerts\/?$/, page: 'alerts', render: alertsPage },
  { pattern: /^\/prompts\/?$/, page: 'prompts', render: promptsPage },
  { pattern: /^\/prompts\/([^/]+)$/, page: 'prompts', render: promptPage },
  { pattern: /^\/loop\/?$/, page: 'loop', render: loopPage },
  { pattern: /^\/costs\/?$/, page: 'costs', render: costsPage },
];

const pageRoot = document.getElementById('page');
let stopCurrent = () => {};

function signedIn(yes) {
  document.getElementById('sign-in').hidden = yes;
  document.getElementById('nav').hidden = !yes;
  document.getElementById('sign-out').hidden = !yes;
  pageRoot.hidden = !yes;
}

function showSignIn(message = '') {
  stopCurrent();
  disposeCharts();
  pageRoot.replaceChildren();
  signedIn(false);
  document.getElementById('sign-in-error').textContent = message;
  document.getElementById('key').focus();
}

async function render() {
  stopCurrent();
  stopCurrent = () => {};
  disposeCharts();
  if (!session.key) { showSignIn(); return; }
  signedIn(true);
  const path = location.pathname;
  const route = routes.find(r => r.pattern.test(path));
  document.querySelectorAll('#nav a').forEach(a => {
    if (a.dataset.page === route?.page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const container = h('div', {});
  pageRoot.replaceChildren(container);
  if (!route) {
    container.append(h('h1', {}, 'Not found'), h('p', {}, 'No such page. ', h('a', { href: '/', 'data-link': true }, 'Go to the overview.')));
    return;
  }
  const params = path.match(route.pattern).slice(1).map(decodeURIComponent);
  const stop = await route.render(container, ...params);
  if (typeof stop === 'function') stopCurrent = stop;
}

export function navigate(url) {
  history.pushState(null, '', url);
  render();
  document.getElementById('main').focus();
}

document.addEventListener('click', event => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', render);

whenUnauthorized(() => {
  session.key = null;
  showSignIn('Your key is no longer accepted. Sign in again.');
});

document.getElementById('sign-in-form').addEventListener('submit', async event => {
  event.preventDefault();
  const input = document.getElementById('key');
  const key = input.value.trim();
  const error = document.getElementById('sign-in-error');
  error.textContent = '';
  try {
    // Any read the key may make tells whether it is valid; the trace list is open to project and admin keys alike.
    const response = await fetch('/api/traces?limit=1', { headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
    if (response.status === 401 || response.status === 403) {
      error.textContent = 'Sign-in failed: that key was not accepted. Check that you copied the whole key.';
      input.select();
      return;
    }
    if (!response.ok) { error.textContent = `Sign-in failed: the platform answered ${response.status}.`; return; }
  } catch {
    error.textContent = 'Sign-in failed: the platform could not be reached.';
    return;
  }
  session.key = key;
  input.value = '';
  render();
});

document.getElementById('sign-out').addEventListener('click', () => {
  session.key = null;
  showSignIn();
});

render();
