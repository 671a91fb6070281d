#!/usr/bin/env node
// A scripted stand-in for the `claude` CLI, for protocol tests the real CLI cannot easily be driven into.
// FAKE_CLI_SCRIPT names a JSON file: {"steps":[…]}. Steps run in order:
//   {"out": {…}}            write one JSON line to stdout
//   {"err": "text"}         write one line to stderr
//   {"await": "initialize"|"user"|"interrupt"|"control_response"|"any"}   wait for the next such stdin line
//   {"sleep": ms}
//   {"child": true}         start a long-running child process (its pid goes to the log)
//   {"ignoreStdinEnd": true} keep running when stdin closes (a CLI that must be killed)
//   {"exit": code}
// Without an exit step the fake exits 0 when stdin closes. FAKE_CLI_LOG (optional) receives JSON lines:
// {"argv","cwd","env"} first, then {"in": …} per stdin line, {"child": pid}, {"exit": code}.
import { appendFileSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const log = (entry) => { if (process.env.FAKE_CLI_LOG) appendFileSync(process.env.FAKE_CLI_LOG, JSON.stringify(entry) + '\n'); };
const script = JSON.parse(readFileSync(process.env.FAKE_CLI_SCRIPT, 'utf8'));
log({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, pid: process.pid });

const received = [];
const waiters = [];
let stdinEnded = false;
let ignoreStdinEnd = false;
const kindOf = (m) => m.type === 'control_request' ? m.request?.subtype : m.type;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const message = JSON.parse(line);
  log({ in: message });
  received.push(message);
  wake();
}).on('close', () => { stdinEnded = true; wake(); });

function wake() {
  for (const waiter of [...waiters]) waiter();
}

function next(kind) {
  return new Promise((resolve) => {
    const check = () => {
      const index = received.findIndex((m) => kind === 'any' || kindOf(m) === kind);
      if (index >= 0) {
        waiters.splice(waiters.indexOf(check), 1);
        resolve(received.splice(index, 1)[0]);
      } else if (stdinEnded && !ignoreStdinEnd) {
        finish(0);
      }
    };
    waiters.push(check);
    check();
  });
}

function finish(code) {
  log({ exit: code });
  process.stdout.write('', () => process.exit(code));
}

for (const step of script.steps) {
  if (step.out) process.stdout.write(JSON.stringify(step.out) + '\n');
  else if (step.err !== undefined) process.stderr.write(step.err + '\n');
  else if (step.await) await next(step.await);
  else if (step.sleep) await new Promise((r) => setTimeout(r, step.sleep));
  else if (step.child) { const child = spawn('sleep', ['300'], { stdio: 'ignore' }); log({ child: child.pid }); }
  else if (step.ignoreStdinEnd) { ignoreStdinEnd = true; process.on('SIGTERM', () => {}); }
  else if (step.exit !== undefined) finish(step.exit);
}

if (ignoreStdinEnd) {
  setInterval(() => {}, 1000);
} else {
  await new Promise(() => { waiters.push(() => { if (stdinEnded) finish(0); }); wake(); });
}
