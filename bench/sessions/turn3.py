#!/usr/bin/env python3
"""Turn 3 of a conversation with a client tool call, through the proxy and the real claude CLI, against a fake
Anthropic API: the upstream request's bytes and the client's time to first byte, for one or more proxy builds.

    python3 bench/sessions/turn3.py --runs 5 BEFORE=/path/to/old/ProxyService.dll AFTER=ProxyService/bin/Release/net10.0/ProxyService.dll

Each build runs the same conversation `runs` times (a new session each time), builds alternating run by run.
Prints a Markdown table of medians. Loopback only; every process it starts is stopped by its own pid."""
import http.server, json, os, re, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request, uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLAUDE = os.path.join(ROOT, "Tests", "clients", "node_modules", ".bin", "claude")
TOOL = {"name": "echo", "description": "Echo the given text back", "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}
# A realistic first message: a task with some context, so history is not trivially small.
TASK = "Please echo ping. Context for the task follows.\n" + ("The repository has a README, a src folder and tests. " * 40)


class Fake(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Fake.bodies.append(body)
        request = json.loads(body)
        last = request["messages"][-1]
        text = json.dumps(last)
        if "tool_result" not in text and "thanks" not in text:
            events = tool_use()
        else:
            events = text_reply("The tool said ECHO:ping." if "thanks" not in text else "Nothing more to do.")
        payload = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def start(model="claude-sonnet-4-6"):
    return {"type": "message_start", "message": {"id": "msg_b", "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 11, "output_tokens": 1}}}


def tool_use():
    return [start(), {"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_bench", "name": "mcp__litellm__echo", "input": {}}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"text\":\"ping\"}"}},
            {"type": "content_block_stop", "index": 0}, {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 7}}, {"type": "message_stop"}]


def text_reply(text):
    return [start(), {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
            {"type": "content_block_stop", "index": 0}, {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 7}}, {"type": "message_stop"}]


def proxy(dll, upstream, home):
    args = ["dotnet", dll, "--urls=http://127.0.0.1:0", "--Backend:Kind=ClaudeCli", f"--Backend:ClaudePath={CLAUDE}",
            f"--Backend:Environment:ANTHROPIC_BASE_URL={upstream}", "--Backend:Environment:ANTHROPIC_API_KEY=sk-test",
            f"--Backend:Environment:HOME={home}/home", f"--Backend:Environment:TMPDIR={home}/tmp", "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"]
    os.makedirs(f"{home}/home", exist_ok=True)
    os.makedirs(f"{home}/tmp", exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("ASPNETCORE_URLS", "ConnectionStrings__redis")}
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=os.path.dirname(dll))
    for line in process.stdout:
        match = re.search(r"Now listening on: (http://\S+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, match.group(1)
    raise RuntimeError("the proxy did not start")


def send(base, session, messages, stream):
    body = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 512, "stream": stream, "system": "You are the bench.", "messages": messages, "tools": [TOOL]}).encode()
    request = urllib.request.Request(base + "/v1/messages", data=body, method="POST", headers={
        "content-type": "application/json", "user-agent": "litellm/1.52.0", "x-litellm-session-id": session})
    sent = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        head = response.read(1)
        first = time.perf_counter() - sent
        rest = head + response.read()
    return first, rest


def conversation(base):
    session = "bench-" + uuid.uuid4().hex
    messages = [{"role": "user", "content": TASK}]
    _, raw = send(base, session, messages, False)
    answer = json.loads(raw)
    messages.append({"role": "assistant", "content": answer["content"]})
    messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_bench", "content": "ECHO:ping"}]})
    _, raw = send(base, session, messages, False)
    answer = json.loads(raw)
    messages.append({"role": "assistant", "content": answer["content"]})
    messages.append({"role": "user", "content": "thanks, anything else?"})
    before = len(Fake.bodies)
    ttfb, _ = send(base, session, messages, True)
    turn3 = Fake.bodies[before:]
    return ttfb * 1000, sum(len(b) for b in turn3), len(turn3), turn3[-1]


def main():
    runs = 5
    builds = []
    for arg in sys.argv[1:]:
        if arg.startswith("--runs="):
            runs = int(arg.split("=", 1)[1])
        else:
            name, dll = arg.split("=", 1)
            builds.append((name, os.path.abspath(dll)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{server.server_address[1]}"
    results = {name: [] for name, _ in builds}
    samples = {}
    with tempfile.TemporaryDirectory(prefix="relay-bench-sessions-") as directory:
        processes = {}
        try:
            for name, dll in builds:
                processes[name] = proxy(dll, upstream, os.path.join(directory, name))
            for name, _ in builds:  # warm-up
                conversation(processes[name][1])
            for run in range(runs):
                for name, _ in (builds if run % 2 == 0 else list(reversed(builds))):
                    ttfb, size, count, body = conversation(processes[name][1])
                    results[name].append((ttfb, size, count))
                    samples[name] = body
        finally:
            for process, _ in processes.values():
                process.kill()
                process.wait()
    print(f"Turn 3 of a three-turn conversation with a client tool call; {runs} runs per build, medians.\n")
    print("| build | upstream requests (turn 3) | upstream request bytes | time to first byte (ms) | flattened history in it |")
    print("|---|---|---|---|---|")
    for name, _ in builds:
        rows = results[name]
        flat = "conversation_history" in samples[name].decode()
        print(f"| {name} | {statistics.median(r[2] for r in rows):.0f} | {statistics.median(r[1] for r in rows):.0f} | {statistics.median(r[0] for r in rows):.0f} | {'yes' if flat else 'no'} |")


if __name__ == "__main__":
    main()
