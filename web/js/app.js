// The single page app: hash routes to views, and the header's navigation.
//   #/dashboards/<name>   a dashboard (default: the first one lakebox has, the built-in "vehicles")
//   #/console             the SQL console
//   #/status              the status page
// A view is mount(container, params) → an unmount function that stops its timers.

import { dashboards } from './api.js';
import { mountDashboard } from './dashboard.js';
import { mountConsole } from './console.js';
import { mountStatus } from './status.js';
import { clear, h } from './util.js';

const view = document.getElementById('view');
let unmount = null;
let dashboardList = null;  // [{Name, Title, RefreshSeconds}] once loaded

async function loadDashboardList() {
  try {
    dashboardList = (await dashboards.list()).Dashboards || [];
  } catch (e) {
    dashboardList = [];
    console.warn('lakebox: cannot list dashboards:', e.message);
  }
  const links = document.getElementById('nav-dashboard-links');
  clear(links);
  for (const d of dashboardList) {
    links.append(h('a', { class: 'navlink', href: `#/dashboards/${encodeURIComponent(d.Name)}`,
                          dataset: { route: `dashboards/${d.Name}` } }, d.Title || d.Name));
  }
  if (!dashboardList.length) links.append(h('span', { class: 'navlink muted' }, 'none'));
}

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return parts;
}

function highlightNav(key) {
  for (const link of document.querySelectorAll('#mainnav .navlink[data-route]')) {
    link.classList.toggle('active', link.dataset.route === key);
  }
}

async function route() {
  const parts = parseRoute();
  if (unmount) {
    unmount();
    unmount = null;
  }
  clear(view);
  if (parts[0] === 'console') {
    highlightNav('console');
    document.title = 'SQL console · lakebox';
    unmount = mountConsole(view);
  } else if (parts[0] === 'status') {
    highlightNav('status');
    document.title = 'Status · lakebox';
    unmount = mountStatus(view);
  } else if (parts[0] === 'dashboards' && parts[1]) {
    highlightNav(`dashboards/${parts[1]}`);
    unmount = mountDashboard(view, parts[1]);
  } else {
    // The default route: the first dashboard, else the console.
    await dashboardListLoaded;
    const first = dashboardList[0];
    location.replace(first ? `#/dashboards/${encodeURIComponent(first.Name)}` : '#/console');
  }
}

const dashboardListLoaded = loadDashboardList().then(() => {
  const parts = parseRoute();
  highlightNav(parts[0] === 'dashboards' ? parts.slice(0, 2).join('/') : parts[0]);
});
window.addEventListener('hashchange', route);
route();
