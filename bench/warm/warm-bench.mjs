#!/usr/bin/env node
// Warm CLI processes, side by side in one run: AgentRelay (Backend:Kind=ClaudeCli, the real `claude` CLI) driven by the
// shared workload ../shared/bench/latency.mjs, and the same CLI driven directly over stream-json (cold spawn, warm turn,
// ten cold spawns at once) as the physical reference. Both talk to one fake Anthropic API on loopback.
//
//   node bench/warm/warm-bench.mjs [--runs 10] [--pool 2] [--max-warm 16] [--conc-pool 10] [--out bench/results/warm.md]
//
// Order: the direct CLI reference, AgentRelay with the default settings (every latency.mjs phase, then CPU per
// continued turn and RSS), AgentRelay with Sessions:PoolSize=--conc-pool (the 10-concurrent phase only, the pool filled
// first), the direct CLI reference again. Direct medians are over both direct passes, so load drift falls on both sides.
//
// Needs: a Release build of ProxyService (dotnet build -c Release ProxyService) and Tests/clients/node_modules.
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)));
const RUNS = Number(args.runs ?? 10);
const POOL = Number(args.pool ?? 2);
const MAX_WARM = Number(args['max-warm'] ?? 16);
const CONC_POOL = Number(args['conc-pool'] ?? 10);
const OUT = args.out ?? path.join(root, 'bench', 'results', 'warm.md');
const CLAUDE = path.join(root, 'Tests', 'clients', 'node_modules', '.bin', 'claude');
const DLL = path.join(root, 'ProxyService', 'bin', 'Release', 'net10.0', 'ProxyService.dll');
const LATENCY = path.resolve(root, '..', 'shared', 'bench', 'latency.mjs');
const MODEL = 'claude-sonnet-4-6';
const work = mkdtempSync(path.join(tmpdir(), 'relay-warm-bench-'));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => process.stderr.write(`[warm-bench] ${m}\n`);

// ---------- the fake Anthropic API: a short text reply, streamed or JSON ----------
const reply = 'Hi! Hello from the fake upstream.';
function sse(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const ev = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  ev('message_start', { message: { id: 'msg_fake', type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 11, output_tokens: 1 } } });
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const piece of [reply.slice(0, 10), reply.slice(10)]) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
  ev('content_block_stop', { index: 0 });
  ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } });
  ev('message_stop', {});
  res.end();
}
const fake = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = {};
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'); } catch { /* not JSON */ }
    if (req.url.includes('count_tokens')) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"input_tokens":11}'); return; }
    if (body.stream) { sse(res); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'msg_fake', type: 'message', role: 'assistant', model: MODEL, content: [{ type: 'text', text: reply }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 11, output_tokens: 7 } }));
  });
});
await new Promise((r) => fake.listen(0, '127.0.0.1', r));
const FAKE = `http://127.0.0.1:${fake.address().port}`;

// ---------- /proc readers ----------
const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
function stat(pid) {
  try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number); } catch { return null; }
}
function rssKB(pid) {
  try { return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { return 0; }
}
function descendants(rootPid) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const x = stat(d); if (!x) continue;
    if (!kids.has(x[1])) kids.set(x[1], []);
    kids.get(x[1]).push(Number(d));
  }
  const out = []; const stack = [rootPid];
  while (stack.length) for (const k of kids.get(stack.pop()) ?? []) { out.push(k); stack.push(k); }
  return out;
}
// CPU seconds of a process tree: the root's own and reaped children's, plus every live descendant's own.
function ownCpu(pid) { const y = stat(pid); return y ? (y[11] + y[12]) / HZ : 0; }
function treeCpu(rootPid) {
  const x = stat(rootPid); if (!x) return 0;
  let total = (x[11] + x[12] + x[13] + x[14]) / HZ;
  for (const d of descendants(rootPid)) { const y = stat(d); if (y) total += (y[11] + y[12] + y[13] + y[14]) / HZ; }
  return total;
}

// ---------- the CLI driven directly, as AgentRelay drives it ----------
const cliEnv = () => {
  const env = { ...process.env };
  for (const k of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT']) delete env[k];
  Object.assign(env, {
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_MAX_RETRIES: '0', CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK: '1', ENABLE_TOOL_SEARCH: 'false', ENABLE_CLAUDEAI_MCP_SERVERS: 'false', BUN_GC_TIMER_DISABLE: '1',
    ANTHROPIC_BASE_URL: FAKE, ANTHROPIC_API_KEY: 'sk-bench', HOME: path.join(work, 'direct-home'), TMPDIR: path.join(work, 'direct-tmp'),
    CLAUDE_CODE_MAX_OUTPUT_TOKENS: '256',
  });
  return env;
};
// Like with like: the start-up arguments AgentRelay gives the CLI for an OpenCode request (no settings files, every
// built-in tool disallowed: ProxyService/Adapters/BuiltinTools.cs), so both upstream requests carry no tools (~30 KB).
// Without them the direct CLI would send its 28 built-in tools (~109 KB) and do more work per turn than the proxy's.
const BUILTIN_TOOLS = ['Read', 'Write', 'Edit', 'MultiEdit', 'Bash', 'Glob', 'Grep', 'NotebookEdit', 'WebFetch', 'WebSearch', 'TodoWrite',
  'CronCreate', 'CronDelete', 'CronList', 'EnterPlanMode', 'ExitPlanMode', 'EnterWorktree', 'ExitWorktree', 'AskUserQuestion', 'Skill',
  'Agent', 'TaskOutput', 'TaskStop', 'Task', 'TaskCreate', 'TaskGet', 'TaskList', 'TaskUpdate', 'ListAgents', 'ReportFindings',
  'ScheduleWakeup', 'SendMessage', 'Workflow', 'BashOutput', 'KillShell', 'LS'];
const cliArgs = ['--output-format', 'stream-json', '--verbose', '--input-format', 'stream-json', '--include-partial-messages',
  '--permission-prompt-tool', 'stdio', '--setting-sources', '', `--model=${MODEL}`, '--max-turns=100', `--disallowedTools=${BUILTIN_TOOLS.join(',')}`];
const line = (o) => JSON.stringify(o) + '\n';
const initialize = line({ type: 'control_request', request_id: 'init', request: { subtype: 'initialize', systemPrompt: ['You are a helpful assistant.'] } });
const user = (text) => line({ type: 'user', session_id: '', message: { role: 'user', content: [{ type: 'text', text }] }, parent_tool_use_id: null });

function startCli() {
  const child = spawn(CLAUDE, cliArgs, { env: cliEnv(), cwd: work, stdio: ['pipe', 'pipe', 'ignore'] });
  let buffer = '';
  const waiters = [];
  child.stdout.on('data', (c) => {
    buffer += c.toString('utf8');
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, i); buffer = buffer.slice(i + 1);
      let m; try { m = JSON.parse(text); } catch { continue; }
      for (const w of [...waiters]) if (w.test(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(performance.now()); }
    }
  });
  const until = (test) => new Promise((resolve) => waiters.push({ test, resolve }));
  return { child, until };
}
const isTextDelta = (m) => m.type === 'stream_event' && m.event?.delta?.type === 'text_delta';
const isResult = (m) => m.type === 'result';

async function directCold() {
  const t0 = performance.now();
  const cli = startCli();
  const first = cli.until(isTextDelta); const done = cli.until(isResult);
  cli.child.stdin.write(initialize + user('Say hi.'));
  const t = await first; await done;
  return { cli, ttft: t - t0 };
}
// A process spawned ahead (3 s), `initialize` and the user turn written at request time: what a pooled process can do.
async function directPrestarted() {
  const cli = startCli();
  await sleep(3000);
  const first = cli.until(isTextDelta); const done = cli.until(isResult);
  const t0 = performance.now();
  cli.child.stdin.write(initialize + user('Say hi.'));
  const t = await first; await done;
  await stopCli(cli);
  return t - t0;
}
async function directWarm(cli) {
  await sleep(500);
  const first = cli.until(isTextDelta); const done = cli.until(isResult);
  const c0 = treeCpu(cli.child.pid);
  const t0 = performance.now();
  cli.child.stdin.write(user('Thanks. Say hi once more.'));
  const t = await first; await done;
  return { ttft: t - t0, cpu: treeCpu(cli.child.pid) - c0 };
}
const stopCli = (cli) => new Promise((r) => { cli.child.on('exit', r); cli.child.stdin.end(); });

// ---------- AgentRelay ----------
function startProxy(pool = POOL) {
  const settings = {
    'Backend:Kind': 'ClaudeCli', 'Backend:ClaudePath': CLAUDE,
    'Backend:Environment:ANTHROPIC_BASE_URL': FAKE, 'Backend:Environment:ANTHROPIC_API_KEY': 'sk-bench',
    'Backend:Environment:HOME': path.join(work, 'proxy-home'), 'Backend:Environment:TMPDIR': path.join(work, 'proxy-tmp'),
    'Sessions:PoolSize': String(pool), 'Sessions:MaxWarm': String(MAX_WARM),
    'Logging:LogLevel:Default': 'Warning', 'Logging:LogLevel:Microsoft.Hosting.Lifetime': 'Information',
  };
  const child = spawn('dotnet', [DLL, '--urls=http://127.0.0.1:0', ...Object.entries(settings).map(([k, v]) => `--${k}=${v}`)],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOTNET_ENVIRONMENT: 'Production' } });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c) => { out += c; const m = /Now listening on: (http:\/\/\S+)/.exec(out); if (m) resolve({ child, url: m[1] }); };
    child.stdout.on('data', onData); child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`proxy exited ${code}: ${out}`)));
  });
}
async function gauge(url, name) {
  const text = await fetch(url + '/metrics').then((r) => r.text());
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
const stopProxy = (proxy) => new Promise((r) => { proxy.child.on('exit', r); proxy.child.kill('SIGTERM'); });
// Time to the first byte of a streamed response (then read to its end).
async function firstByte(url, body, session) {
  const t0 = performance.now();
  const res = await fetch(url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'x-opencode-session': session, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ ...body, stream: true }) });
  const reader = res.body.getReader();
  const first = await reader.read();
  const ms = performance.now() - t0;
  while (!(await reader.read()).done) { /* drain */ }
  if (res.status !== 200 || first.done) throw new Error(`HTTP ${res.status}`);
  return ms;
}
// Requests sent to the proxy of the default settings (latency.mjs's are added when it is done).
const sent = { count: 0 };
async function post(url, body, session) {
  sent.count++;
  const t0 = performance.now();
  const res = await fetch(url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'x-opencode-session': session, 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  return { ms: performance.now() - t0, reply: JSON.parse(text).content.filter((b) => b.type === 'text').map((b) => b.text).join('') };
}

// ---------- the run ----------
const started = new Date();
const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
mkdirs();
function mkdirs() { for (const d of ['direct-home', 'direct-tmp', 'proxy-home', 'proxy-tmp']) execFileSync('mkdir', ['-p', path.join(work, d)]); }

// The CLI driven directly: cold spawn, warm turn; then ten cold spawns at once. Run before and after AgentRelay.
const direct = { cold: [], warm: [], warmCpu: [], ten: [], prestarted: [] };
async function directPass(runs) {
  for (let i = 0; i < runs; i++) {
    const { cli, ttft } = await directCold();
    direct.cold.push(ttft);
    const w = await directWarm(cli);
    direct.warm.push(w.ttft); direct.warmCpu.push(w.cpu);
    await stopCli(cli);
    direct.prestarted.push(await directPrestarted());
  }
  for (let round = 0; round < 2; round++) {
    const all = await Promise.all(Array.from({ length: 10 }, () => directCold()));
    direct.ten.push(...all.map((x) => x.ttft));
    await Promise.all(all.map((x) => stopCli(x.cli)));
    await sleep(1000);
  }
}
log('direct CLI, first pass');
await directPass(Math.ceil(RUNS / 2));

const proxy = await startProxy();
log(`proxy ${proxy.url} (pid ${proxy.child.pid}), fake ${FAKE}`);
const result = {};
try {
  // 1. The shared workload against AgentRelay.
  const jsonOut = path.join(work, 'latency.json');
  const mdOut = path.join(work, 'latency.md');
  // Asynchronously: the fake upstream lives in this process's event loop.
  await new Promise((resolve) => {
    const bench = spawn('node', [LATENCY, proxy.url, '--fake', FAKE, '--pid', String(proxy.child.pid), '--runs', String(RUNS), '--json', jsonOut, '--md', mdOut, '--label', `AgentRelay warm (PoolSize ${POOL}, MaxWarm ${MAX_WARM})`], { stdio: ['ignore', 'ignore', 'inherit'] });
    bench.on('exit', resolve);
  });
  result.latencyMd = readFileSync(mdOut, 'utf8');
  // Where each request's CLI process came from, and how long getting it took (the proxy's own records).
  const records = await fetch(proxy.url + '/telemetry/requests?limit=1000').then((r) => r.json());
  const mix = {};
  for (const r of records.filter((x) => x.path === '/v1/messages')) (mix[(r.runtime ?? 'none') + (r.runtimeRecycled ? ' (a kept process recycled)' : '')] ??= []).push(r.durationMs);
  result.runtimeMix = Object.entries(mix).map(([k, v]) => `${k} ${v.length} (median duration ${median(v).toFixed(0)} ms)`).join(', ');
  const latency = JSON.parse(readFileSync(jsonOut, 'utf8'));
  // Every timed request but the floor's (sent to the fake), plus conc-cont's untimed first turns.
  sent.count += Object.entries(latency.samples ?? {}).reduce((n, [phase, rs]) => n + (phase.startsWith('floor') ? 0 : phase === 'conc-cont' ? 2 * rs.length : rs.length), 0);
  const samples = (phase) => (latency.samples?.[phase] ?? []).filter((r) => r.ok);
  result.proxy = {
    newSse: median(samples('new-sse').map((r) => r.ttfb)), newSseText: median(samples('new-sse').map((r) => r.text)),
    newJson: median(samples('new-json').map((r) => r.ttfb)),
    turn2: median(samples('cont-turn2').map((r) => r.ttfb)), turn2Text: median(samples('cont-turn2').map((r) => r.text)),
    conc: median(samples('conc').map((r) => r.ttfb)), concText: median(samples('conc').map((r) => r.text)),
  };

  // 2. RSS of the warm processes the workload left behind (idle CLIs under the proxy).
  await sleep(3000);
  const clis = descendants(proxy.child.pid).filter((p) => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('claude'); } catch { return false; } });
  const rss = clis.map(rssKB).filter((x) => x > 0);
  result.rss = { count: rss.length, medianMB: median(rss) / 1024, totalMB: rss.reduce((a, b) => a + b, 0) / 1024, proxyMB: rssKB(proxy.child.pid) / 1024 };

  // 3. CPU of the proxy and all its processes per continued turn (turn 1 and the pool refill settle first): once right
  // after the workload, early in the proxy's life, and once at its steady state.
  const perPid = (root) => new Map([[root, treeCpu(root) - descendants(root).reduce((a, d) => a + ownCpu(d), 0)], ...descendants(root).map((d) => [d, ownCpu(d)])]);
  const firstTurn = (tag, i) => ({ model: MODEL, max_tokens: 256, stream: false, messages: [{ role: 'user', content: `Say hi. (${tag} #${i})` }] });
  const secondTurn = (first, reply) => ({ ...first, messages: [...first.messages, { role: 'assistant', content: reply }, { role: 'user', content: 'Thanks. Say hi once more.' }] });
  async function cpuPerTurn(tag) {
    let cpu = 0; let cpuServing = 0;
    for (let i = 0; i < RUNS; i++) {
      const session = `${tag}-${i}-${Date.now()}`;
      const first = firstTurn(tag, i);
      const r1 = await post(proxy.url, first, session);
      await sleep(2000);
      const c0 = treeCpu(proxy.child.pid); const p0 = perPid(proxy.child.pid);
      await post(proxy.url, secondTurn(first, r1.reply), session);
      cpu += treeCpu(proxy.child.pid) - c0;
      // The proxy itself plus the one CLI that served the turn (the child whose CPU grew most); the rest is the idle
      // warm and pooled processes' own background work during the turn.
      const p1 = perPid(proxy.child.pid);
      const deltas = [...p1].filter(([pid]) => pid !== proxy.child.pid).map(([pid, c]) => c - (p0.get(pid) ?? 0));
      cpuServing += (p1.get(proxy.child.pid) - p0.get(proxy.child.pid)) + Math.max(0, ...deltas);
    }
    return { tree: cpu / RUNS, serving: cpuServing / RUNS, proxyRequests: sent.count };
  }
  result.cpuEarly = await cpuPerTurn('cpu');
  // The steady state of a running proxy, as bench/Bench measures it: conversations of two turns until a block of 10
  // makes the proxy's JIT compile at most 10 methods (its own dotnet.jit.compiled_methods; at most 120 s). Tiered
  // compilation keeps recompiling the proxy's code in the background for its first few hundred requests.
  const jitMethods = async () => Number(/^dotnet_jit_compiled_methods(?:_total)?(?:\{[^}]*\})? ([0-9.eE+]+)/m.exec(await fetch(proxy.url + '/metrics').then((r) => r.text()))?.[1] ?? 0);
  for (const deadline = Date.now() + 120000; Date.now() < deadline;) {
    const before = await jitMethods();
    for (let i = 0; i < 10; i++) {
      const session = `jit-${i}-${Date.now()}`;
      const first = firstTurn('jit', i);
      await post(proxy.url, secondTurn(first, (await post(proxy.url, first, session)).reply), session);
    }
    if (await jitMethods() - before <= 10) break;
  }
  result.cpuSteady = await cpuPerTurn('steady');

  // 4. New conversations 3 s apart: the pool has time to refill between them (latency.mjs sends them back to back).
  const spaced = [];
  for (let i = 0; i < RUNS; i++) {
    await sleep(3000);
    spaced.push(await firstByte(proxy.url, { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: `Say hi. (spaced #${i})` }] }, `spaced-${i}-${Date.now()}`));
  }
  result.newSpaced = median(spaced);
} finally {
  await stopProxy(proxy);
}

// 10 concurrent new conversations with a pool as large as the burst, filled and started first (one conversation starts it).
{
  const big = await startProxy(CONC_POOL);
  try {
    await post(big.url, { model: MODEL, max_tokens: 256, stream: false, messages: [{ role: 'user', content: 'Say hi. (fill the pool)' }] }, `fill-${Date.now()}`);
    const deadline = Date.now() + 120000;
    while (await gauge(big.url, 'relay_cli_processes_pooled') < CONC_POOL && Date.now() < deadline) await sleep(500);
    // A pooled process counts from its spawn; it has finished starting when it idles: wait until the whole tree does
    // (under 0.1 s of CPU in a second), then 2 s more.
    for (let last = treeCpu(big.child.pid); Date.now() < deadline;) {
      await sleep(1000);
      const now = treeCpu(big.child.pid);
      if (now - last < 0.1) break;
      last = now;
    }
    await sleep(2000);
    const jsonOut = path.join(work, 'latency-pool.json');
    await new Promise((resolve) => {
      const bench = spawn('node', [LATENCY, big.url, '--pid', String(big.child.pid), '--phases', 'conc', '--conc-rounds', '1', '--warmup', '0', '--json', jsonOut, '--label', `AgentRelay, Sessions:PoolSize ${CONC_POOL}`], { stdio: ['ignore', 'ignore', 'inherit'] });
      bench.on('exit', resolve);
    });
    const latency = JSON.parse(readFileSync(jsonOut, 'utf8'));
    const ok = (latency.samples?.conc ?? []).filter((r) => r.ok);
    result.concPool = { ttfb: median(ok.map((r) => r.ttfb)), text: median(ok.map((r) => r.text)), n: ok.length };
  } finally {
    await stopProxy(big);
  }
}

log('direct CLI, second pass');
await directPass(RUNS - Math.ceil(RUNS / 2));

result.direct = { cold: median(direct.cold), warm: median(direct.warm), warmCpu: median(direct.warmCpu), tenCold: median(direct.ten), prestarted: median(direct.prestarted) };
fake.close();
rmSync(work, { recursive: true, force: true });

// ---------- the report ----------
const p = result.proxy; const d = result.direct;
const f = (x) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const r2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const turn2Limit = 1.5 * d.warm + 10;
const rows = [
  ['continued turn (turn 2), TTFB', `${f(p.turn2)} ms (first text ${f(p.turn2Text)} ms)`, `warm turn ${f(d.warm)} ms`, `${r2(p.turn2 / d.warm)}×`, `≤ 1.5× + 10 ms = ${f(turn2Limit)} ms`, p.turn2 <= turn2Limit ? 'met' : 'not met'],
  ['new conversation (SSE), TTFB', `${f(p.newSse)} ms (first text ${f(p.newSseText)} ms)`, `cold spawn ${f(d.cold)} ms`, `${r2(p.newSse / d.cold)}×`, '≤ 0.4×', p.newSse / d.cold <= 0.4 ? 'met' : 'not met'],
  ['new conversation (SSE), 3 s apart, TTFB', `${f(result.newSpaced)} ms`, `cold spawn ${f(d.cold)} ms (pre-started ${f(d.prestarted)} ms)`, `${r2(result.newSpaced / d.cold)}×`, '≤ 0.4×', result.newSpaced / d.cold <= 0.4 ? 'met' : 'not met'],
  ['new conversation (JSON), total', `${f(p.newJson)} ms`, `cold spawn ${f(d.cold)} ms`, `${r2(p.newJson / d.cold)}×`, '', ''],
  [`10 concurrent new, TTFB per request (PoolSize ${POOL})`, `${f(p.conc)} ms (first text ${f(p.concText)} ms)`, `ten cold at once ${f(d.tenCold)} ms`, `${r2(p.conc / d.tenCold)}×`, '≤ 0.35×', p.conc / d.tenCold <= 0.35 ? 'met' : 'not met'],
  [`10 concurrent new, TTFB per request (PoolSize ${CONC_POOL}, pool filled)`, `${f(result.concPool.ttfb)} ms (first text ${f(result.concPool.text)} ms)`, `ten cold at once ${f(d.tenCold)} ms`, `${r2(result.concPool.ttfb / d.tenCold)}×`, '≤ 0.35×', result.concPool.ttfb / d.tenCold <= 0.35 ? 'met' : 'not met'],
  ...[['steady state', result.cpuSteady], ['early', result.cpuEarly]].flatMap(([when, c]) => [
    [`CPU per continued turn, ${when} (after ${c.proxyRequests} requests): proxy + every child`, `${(c.tree * 1000).toFixed(0)} ms`, `warm turn ${(d.warmCpu * 1000).toFixed(0)} ms`, `${r2(c.tree / d.warmCpu)}×`, '≤ 100 ms', c.tree <= 0.1 ? 'met' : 'not met'],
    [`CPU per continued turn, ${when}: proxy + the serving CLI`, `${(c.serving * 1000).toFixed(0)} ms`, `warm turn ${(d.warmCpu * 1000).toFixed(0)} ms`, `${r2(c.serving / d.warmCpu)}×`, '', ''],
  ]),
  [`RSS per warm CLI process (median of ${result.rss.count} live)`, `${result.rss.medianMB.toFixed(0)} MB`, '', '', 'reported', ''],
  [`RSS of all live CLI processes (MaxWarm ${MAX_WARM} + pool ${POOL})`, `${result.rss.totalMB.toFixed(0)} MB (proxy itself ${result.rss.proxyMB.toFixed(0)} MB)`, '', '', 'reported', ''],
];
const report = [
  `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores; load average before ${load0}, after ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
  `Direct medians over ${direct.cold.length} cold spawns with a warm turn each and ${direct.ten.length} spawns ten at once, half before and half after AgentRelay.`,
  `claude CLI ${execFileSync(CLAUDE, ['--version'], { env: cliEnv() }).toString().trim()}, fake upstream on loopback, ${RUNS} runs per phase (medians), Sessions:PoolSize ${POOL}, Sessions:MaxWarm ${MAX_WARM}.`,
  '',
  '| what | AgentRelay | CLI driven directly | ratio | target | |',
  '|---|---:|---:|---:|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  `Runtime of AgentRelay's requests in the latency.mjs run (its /telemetry/requests): ${result.runtimeMix}.`,
  '',
  '<details><summary>latency.mjs tables</summary>',
  '',
  result.latencyMd.trim(),
  '',
  '</details>',
].join('\n');
writeFileSync(OUT, report + '\n');
console.log(report);
