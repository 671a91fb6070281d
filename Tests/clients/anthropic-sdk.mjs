// Drives the official @anthropic-ai/sdk against AgentRelay and prints one JSON line with what it saw.
// Env: RELAY_BASE_URL (the proxy origin), RELAY_MODE = stream | json, RELAY_API_KEY (optional), RELAY_MODEL.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({
  baseURL: process.env.RELAY_BASE_URL,
  apiKey: process.env.RELAY_API_KEY ?? 'sk-test-client',
  maxRetries: 0,
  timeout: 60_000,
});
const request = {
  model: process.env.RELAY_MODEL ?? 'claude-sonnet-4-6',
  max_tokens: 256,
  messages: [{ role: 'user', content: process.env.RELAY_PROMPT ?? 'say hi' }],
};

try {
  if (process.env.RELAY_MODE === 'stream') {
    const stream = client.messages.stream(request);
    const events = [];
    let text = '';
    stream.on('streamEvent', (event) => events.push(event.type));
    stream.on('text', (delta) => { text += delta; });
    const message = await stream.finalMessage();
    console.log(JSON.stringify({ ok: true, text, events, id: message.id, stop_reason: message.stop_reason, usage: message.usage }));
  } else {
    const message = await client.messages.create(request);
    const text = message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
    console.log(JSON.stringify({ ok: true, text, id: message.id, stop_reason: message.stop_reason, usage: message.usage }));
  }
} catch (error) {
  console.log(JSON.stringify({ ok: false, status: error.status ?? null, type: error.error?.error?.type ?? error.name, message: error.message }));
}
