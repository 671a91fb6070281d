// The AgentRelay dashboard: plain JS over the AppHost's /api. Every value is escaped before it reaches the page.
const esc = v => String(v ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const $ = id => document.getElementById(id);
const state = { tab: 'resources', trace: null, resources: [] };

async function api(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function readHash() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith('trace=')) { state.tab = 'requests'; state.trace = hash.slice(6); }
  else if (hash) { state.tab = hash.split('=')[0]; }
  for (const section of document.querySelectorAll('.tab')) section.classList.toggle('active', section.id === 'tab-' + state.tab);
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.tab === state.tab);
}

async function refreshResources() {
  state.resources = await api('/api/resources');
  $('resources').innerHTML = state.resources.map(r => `<tr>
    <td>${esc(r.name)}</td><td>${esc(r.type)}</td><td class="state-${esc(r.state)}">${esc(r.state)}</td>
    <td>${r.url ? `<a href="${esc(r.url)}">${esc(r.url)}</a>` : '-'}</td><td>${esc(r.restarts)}</td><td>${esc(r.pid ?? '-')}</td>
    <td class="muted">${esc(r.detail ?? '')}</td></tr>`).join('');
  fillSelect('log-resource', state.resources.filter(r => r.type === 'Project').map(r => r.name), true);
  fillSelect('console-resource', state.resources.filter(r => r.type.startsWith('Redis') || r.type === 'Project').map(r => r.name), false);
}

function fillSelect(id, names, withAll) {
  const select = $(id), current = select.value;
  const options = (withAll ? ['(all)'] : []).concat([...new Set(names)]);
  if (select.options.length === options.length && [...select.options].every((o, i) => o.value === options[i])) return;
  select.innerHTML = options.map(n => `<option>${esc(n)}</option>`).join('');
  if (options.includes(current)) select.value = current;
}

const retries = r => (r.attempts || []).filter(a => a.decision === 'retry').length;

async function refreshRequests() {
  const rows = await api('/api/requests?limit=100');
  $('requests').innerHTML = rows.map(r => `<tr class="row ${r.traceId === state.trace ? 'selected' : ''}" data-trace="${esc(r.traceId)}">
    <td>${esc(new Date(r.startedAt).toLocaleTimeString())}</td><td>${esc(r.replica)}</td>
    <td title="${esc(r.adapterReason)}">${esc(r.adapter ?? '-')}</td><td>${esc(r.model ?? '-')}</td>
    <td class="${r.status >= 400 ? 'err' : 'ok'}">${esc(r.status)}${r.errorType ? ' ' + esc(r.errorType) : ''}</td>
    <td>${retries(r)}</td><td>${esc(r.queueWaitMs)} ms</td><td>${esc(r.durationMs)} ms</td></tr>`).join('');
  for (const row of document.querySelectorAll('#requests tr.row')) row.onclick = () => { location.hash = 'trace=' + row.dataset.trace; };
  return rows;
}

function spanTree(spans) {
  const ids = new Set(spans.map(s => s.spanId)), children = {}, roots = [], out = [];
  for (const s of [...spans].sort((a, b) => a.startTime.localeCompare(b.startTime))) {
    if (s.parentSpanId && ids.has(s.parentSpanId)) (children[s.parentSpanId] ??= []).push(s); else roots.push(s);
  }
  const walk = (s, depth) => { out.push([s, depth]); for (const c of children[s.spanId] ?? []) walk(c, depth + 1); };
  roots.forEach(r => walk(r, 0));
  return out;
}

const kv = o => Object.entries(o || {}).map(([k, v]) => `<b>${esc(k)}</b>=${esc(v)}`).join('  ');

function decisions(r) {
  if (!r) return '';
  const attempts = (r.attempts || []).map(a => `#${esc(a.n)} ${esc(a.outcome)} → ${esc(a.decision)}${a.delayMs != null ? ` after ${esc(a.delayMs)} ms` : ''}`).join('<br>');
  const row = (label, value) => `<tr><td>${label}</td><td>${value}</td></tr>`;
  return `<h3>Decisions</h3><table class="decisions">
    ${row('request', `${esc(r.requestId)} on ${esc(r.replica)} · ${esc(r.path)}`)}
    ${row('adapter', `${esc(r.adapter ?? '-')} <span class="muted">(${esc(r.adapterReason ?? 'not recorded')})</span>`)}
    ${row('model', esc(r.model ?? '-'))}
    ${row('stream', `${esc(r.stream)} <span class="muted">(${esc(r.streamReason ?? '-')})</span>`)}
    ${row('session', `${esc(r.sessionKey ?? '-')} · lineage ${esc(r.lineage ?? '-')}`)}
    ${row('queue wait', `${esc(r.queueWaitMs)} ms`)}
    ${row('attempts', attempts || '<span class="muted">none recorded</span>')}
    ${row('result', `${esc(r.status)} ${esc(r.errorType ?? '')} · committed ${esc(r.committed)} · ${esc(r.durationMs)} ms`)}
  </table>`;
}

async function refreshTrace(requests) {
  if (!state.trace) return;
  const record = requests.find(r => r.traceId === state.trace);
  let spans = [];
  try { spans = await api('/api/traces/' + encodeURIComponent(state.trace)); } catch { /* not collected (yet) */ }
  const logs = await api('/api/logs?limit=200&traceId=' + encodeURIComponent(state.trace));
  const start = Math.min(...spans.map(s => Date.parse(s.startTime)));
  const total = Math.max(1, ...spans.map(s => Date.parse(s.startTime) - start + s.durationMs));
  $('trace').innerHTML = `<h2>Trace ${esc(state.trace)}</h2>${decisions(record)}
    <h3>Spans</h3>${spanTree(spans).map(([s, depth]) => `<div class="span ${esc(s.status)}" style="--depth:${depth}">
      <strong>${esc(s.name)}</strong> <span class="muted">${esc(s.kind)} · ${esc(s.resource)} · ${esc(s.durationMs)} ms · ${esc(s.status)}${s.statusDescription ? ': ' + esc(s.statusDescription) : ''}</span>
      <div class="bar" style="margin-left:${(Date.parse(s.startTime) - start) / total * 100}%;width:${s.durationMs / total * 100}%"></div>
      <div class="attrs">${kv(s.attributes)}</div>
      ${s.events.map(e => `<div class="event ${e.name.includes('retry') ? 'retry' : ''}">${esc(e.name)} <span class="muted">+${esc(Math.round(Date.parse(e.time) - Date.parse(s.startTime)))} ms</span>  ${kv(e.attributes)}</div>`).join('')}
    </div>`).join('') || '<p class="muted">No spans collected for this trace.</p>'}
    <h3>Logs</h3>${logs.map(l => `<div class="attrs ${l.level === 'Error' || l.level === 'Critical' ? 'err' : l.level === 'Warning' ? 'warn' : ''}">
      ${esc(l.timestamp)} ${esc(l.resource)} ${esc(l.level)} ${esc(l.category)}: ${esc(l.message)}</div>`).join('') || '<p class="muted">none</p>'}`;
}

async function refreshLogs() {
  const resource = $('log-resource').value;
  const logs = await api('/api/logs?limit=300' + (resource && resource !== '(all)' ? '&resource=' + encodeURIComponent(resource) : ''));
  $('logs').innerHTML = logs.map(l => `<tr><td>${esc(new Date(l.timestamp).toLocaleTimeString())}</td><td>${esc(l.resource)}</td>
    <td class="${l.level === 'Error' ? 'err' : l.level === 'Warning' ? 'warn' : ''}">${esc(l.level)}</td><td>${esc(l.category)}</td>
    <td>${esc(l.message)}<div class="attrs">${kv(l.attributes)}</div></td>
    <td>${l.traceId ? `<a href="#trace=${esc(l.traceId)}">${esc(l.traceId.slice(0, 8))}</a>` : ''}</td></tr>`).join('');
}

async function refreshConsole() {
  const resource = $('console-resource').value;
  if (!resource) return;
  const lines = await api('/api/console/' + encodeURIComponent(resource) + '?limit=300');
  $('console').textContent = lines.map(l => `${l.time.slice(11, 19)} ${l.isError ? 'ERR ' : ''}${l.text}`).join('\n');
}

async function refresh() {
  try {
    await refreshResources();
    if (state.tab === 'requests') await refreshTrace(await refreshRequests());
    if (state.tab === 'logs') await refreshLogs();
    if (state.tab === 'console') await refreshConsole();
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (error) {
    $('status').textContent = 'AppHost not reachable: ' + error.message;
  }
}

window.addEventListener('hashchange', () => { readHash(); refresh(); });
$('log-resource').onchange = refresh;
$('console-resource').onchange = refresh;
readHash();
refresh();
setInterval(refresh, 2000);
