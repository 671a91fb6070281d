// Sends one Messages request with the official @anthropic-ai/sdk and prints what the SDK returned, as one JSON line.
// Usage: node anthropic-messages.mjs <baseURL> <create|stream>   (request body as JSON on stdin; key in RELAY_API_KEY)
// Prints {"message":…} (stream also has "events": [types]) or {"error":{"status","type","message"}}.
import Anthropic from '@anthropic-ai/sdk';

const [baseURL, mode] = process.argv.slice(2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const body = JSON.parse(input);
// No client retries: the test sees the proxy's own answer.
const client = new Anthropic({ baseURL, apiKey: process.env.RELAY_API_KEY ?? 'sk-client-test', maxRetries: 0, timeout: 60_000 });

try {
  if (mode === 'stream') {
    const events = [];
    const stream = client.messages.stream(body);
    stream.on('streamEvent', (event) => events.push(event.type));
    const message = await stream.finalMessage();
    console.log(JSON.stringify({ message, events }));
  } else {
    const message = await client.messages.create(body);
    console.log(JSON.stringify({ message }));
  }
} catch (error) {
  if (error instanceof Anthropic.APIError) {
    console.log(JSON.stringify({ error: { status: error.status, type: error.error?.error?.type ?? error.type ?? null, message: error.message } }));
  } else {
    console.log(JSON.stringify({ error: { status: null, type: error?.constructor?.name, message: String(error?.message ?? error) } }));
  }
}
