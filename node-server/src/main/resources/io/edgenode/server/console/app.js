// Edgenode console: plain browser JavaScript as ES modules, no build step, no third-party code,
// nothing fetched from outside the node (CSP). This module routes (#/chat, #/chat/<sessionId>,
// #/models, #/metrics) and starts the pages; api.js, dom.js, chat.js with transcript.js,
// models.js and metrics.js hold the rest, each in ConsoleFiles' fixed list.

import { clearError, initKey } from './api.js';
import * as Chat from './chat.js';
import { $ } from './dom.js';
import * as Metrics from './metrics.js';
import * as Models from './models.js';

let currentPage = null;

function route() {
  const hash = location.hash || '#/chat';
  const rest = hash.replace(/^#\/?/, '');
  const slash = rest.indexOf('/');
  const name = slash < 0 ? rest : rest.slice(0, slash);
  const arg = slash < 0 ? '' : decodeURIComponent(rest.slice(slash + 1));
  const page = ['chat', 'models', 'metrics'].includes(name) ? name : 'chat';
  for (const p of ['chat', 'models', 'metrics']) {
    $('page-' + p).hidden = p !== page;
    document.querySelector('[data-nav="' + p + '"]').classList.toggle('active', p === page);
  }
  document.body.dataset.page = page;
  if (currentPage !== page) {
    if (currentPage === 'models') Models.leave();
    if (currentPage === 'metrics') Metrics.leave();
    currentPage = page;
    if (page === 'models') Models.enter();
    if (page === 'metrics') Metrics.enter();
  }
  if (page === 'chat') Chat.enter(arg || null);
  else Chat.leave();
}

document.addEventListener('DOMContentLoaded', () => {
  $('banner-close').addEventListener('click', clearError);
  initKey(() => {
    Chat.reload();
    Chat.reconnect(); // the WebSocket authenticates when it connects
    route();
  });
  Chat.init();
  Models.init();
  window.addEventListener('hashchange', route);
  route();
});
