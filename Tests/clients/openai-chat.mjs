// Sends one Chat Completions request with the official openai SDK and prints what the SDK returned, as one JSON line.
// Usage: node openai-chat.mjs <baseURL ending in /v1> <create|stream>   (request body as JSON on stdin; key in RELAY_API_KEY)
// Prints {"completion":…} (stream: {"content","finish_reason","ids":[distinct chunk ids],"chunks":N}) or {"error":{"status","type","message"}}.
import OpenAI from 'openai';

const [baseURL, mode] = process.argv.slice(2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const body = JSON.parse(input);
// No client retries: the test sees the proxy's own answer.
const client = new OpenAI({ baseURL, apiKey: process.env.RELAY_API_KEY ?? 'sk-client-test', maxRetries: 0, timeout: 60_000 });

try {
  if (mode === 'stream') {
    const stream = await client.chat.completions.create({ ...body, stream: true });
    let content = '';
    let finish_reason = null;
    let chunks = 0;
    const ids = new Set();
    for await (const chunk of stream) {
      chunks++;
      ids.add(chunk.id);
      const choice = chunk.choices?.[0];
      content += choice?.delta?.content ?? '';
      finish_reason = choice?.finish_reason ?? finish_reason;
    }
    console.log(JSON.stringify({ content, finish_reason, ids: [...ids], chunks }));
  } else {
    const completion = await client.chat.completions.create(body);
    console.log(JSON.stringify({ completion }));
  }
} catch (error) {
  if (error instanceof OpenAI.APIError) {
    console.log(JSON.stringify({ error: { status: error.status ?? null, type: error.type ?? null, message: error.message } }));
  } else {
    console.log(JSON.stringify({ error: { status: null, type: error?.constructor?.name, message: String(error?.message ?? error) } }));
  }
}
