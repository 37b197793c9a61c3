// A scripted OpenAI-compatible chat-completions endpoint for the browser tests, so the chat's
// LLM planner has a model to talk to: `POST /v1/chat/completions` answers with server-sent
// events, a piece of text at a time (slowly enough that the browser sees the reply stream),
// then tool calls when the request is one it knows. Plain Node, no dependencies.
//
//   node e2e/model-stub.mjs            prints the port it listens on (127.0.0.1), then serves

import { createServer } from 'node:http';

const PIECE_DELAY_MS = 250;

/** The last user message of a chat-completions request. */
function said(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user' && typeof messages[i].content === 'string') return messages[i].content;
  }
  return '';
}

function tools(body) {
  return (Array.isArray(body?.tools) ? body.tools : []).map((t) => t?.function?.name).filter(Boolean);
}

const text = (s) => ({ choices: [{ index: 0, delta: { content: s }, finish_reason: null }] });
const call = (index, name, args) => ({
  choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name, arguments: JSON.stringify(args) } }] }, finish_reason: null }],
});
const finish = (reason) => ({ choices: [{ index: 0, delta: {}, finish_reason: reason }] });

/** The answer to one request, as the chunks to stream. */
function script(body) {
  const request = said(body).toLowerCase();
  const offered = tools(body);
  if (request.includes('restart api') && offered.includes('service_restart')) {
    // A different plan than the alias planner's: restart the worker too.
    return [
      text('Restarting api '),
      text('together with its worker, '),
      text('so both pick up '),
      text('the new configuration.'),
      call(0, 'service_restart', { service: 'api' }),
      call(1, 'service_restart', { service: 'worker' }),
      finish('tool_calls'),
    ];
  }
  return [text('I can restart services '), text('or turn flags on. '), text('What should I do?'), finish('stop')];
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
    return;
  }
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (raw += chunk));
  req.on('end', () => {
    let body = null;
    try {
      body = JSON.parse(raw);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"not JSON"}}');
      return;
    }
    const chunks = [...script(body).map((c) => JSON.stringify(c)), '[DONE]'];
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let i = 0;
    const next = () => {
      if (i >= chunks.length) return void res.end();
      res.write(`data: ${chunks[i++]}\n\n`);
      setTimeout(next, PIECE_DELAY_MS);
    };
    next();
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(server.address().port);
});
