#!/usr/bin/env node
// A development SMTP sink: accepts every mail on the SMTP port, keeps the newest ones in memory and serves
// them over HTTP with the subset of Mailpit's API the platform's checks use, so the same checks run against
// Mailpit in docker compose. SMTP comes from smtp-server and MIME parsing from mailparser (nodemailer's
// authors), not hand-written protocol code.
//
//   GET    /api/v1/messages?start=0&limit=50   newest first, Mailpit's summary shape
//   GET    /api/v1/message/{ID}                one message with Text and HTML
//   GET    /api/v1/message/{ID}/raw            the original RFC 5322 source
//   DELETE /api/v1/messages                    delete all, or {"IDs": [...]}
//   GET    /livez, /readyz                     health, as Mailpit serves them
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const { values } = parseArgs({
  options: {
    'smtp-port': { type: 'string', default: '1025' },
    'http-port': { type: 'string', default: '8025' },
    'max-messages': { type: 'string', default: '1000' },
    'stack-home': { type: 'string' },
  },
});
const maxMessages = Number(values['max-messages']);
const messages = []; // newest first

const addresses = (field) =>
  (field ? [field].flat() : [])
    .flatMap((group) => group.value)
    .map((a) => ({ Name: a.name ?? '', Address: a.address ?? '' }));

function toStored(parsed, raw, envelope) {
  const to = addresses(parsed.to);
  const cc = addresses(parsed.cc);
  const visible = new Set([...to, ...cc].map((a) => a.Address.toLowerCase()));
  const text = parsed.text ?? '';
  return {
    ID: randomUUID(),
    MessageID: (parsed.messageId ?? '').replace(/^<|>$/g, ''),
    Read: false,
    From: addresses(parsed.from)[0] ?? { Name: '', Address: envelope.mailFrom?.address ?? '' },
    To: to,
    Cc: cc,
    Bcc: envelope.rcptTo
      .map((r) => r.address)
      .filter((address) => !visible.has(address.toLowerCase()))
      .map((address) => ({ Name: '', Address: address })),
    ReplyTo: addresses(parsed.replyTo),
    ReturnPath: envelope.mailFrom?.address ?? '',
    Subject: parsed.subject ?? '',
    Date: (parsed.date ?? new Date()).toISOString(),
    Created: new Date().toISOString(),
    Tags: [],
    Text: text,
    HTML: typeof parsed.html === 'string' ? parsed.html : '',
    Size: raw.length,
    Attachments: parsed.attachments.length,
    Snippet: text.replace(/\s+/g, ' ').trim().slice(0, 250),
    raw,
  };
}

const COMMON = ['ID', 'MessageID', 'Read', 'From', 'To', 'Cc', 'Bcc', 'ReplyTo', 'Subject', 'Tags', 'Size'];
const pick = (message, keys) => Object.fromEntries(keys.map((key) => [key, message[key]]));
// Mailpit's list shows a summary; the single-message endpoint adds the bodies and headers.
const summary = (message) => pick(message, [...COMMON, 'Created', 'Attachments', 'Snippet']);
const detail = (message) => ({
  ...pick(message, [...COMMON, 'ReturnPath', 'Date', 'Text', 'HTML']),
  Inline: [],
  Attachments: [],
});

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  size: 25 * 1024 * 1024,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', callback);
    stream.on('end', async () => {
      try {
        const raw = Buffer.concat(chunks);
        messages.unshift(toStored(await simpleParser(raw), raw, session.envelope));
        messages.length = Math.min(messages.length, maxMessages);
        callback();
      } catch (error) {
        callback(error);
      }
    });
  },
});

function send(response, status, body, type = 'application/json') {
  response.writeHead(status, { 'content-type': type });
  response.end(type === 'application/json' ? JSON.stringify(body) : body);
}

async function readJson(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}

async function route(request, response) {
  const url = new URL(request.url, 'http://sink');
  const parts = url.pathname.split('/').filter(Boolean);
  if (url.pathname === '/livez' || url.pathname === '/readyz') return send(response, 200, 'ok', 'text/plain');
  if (url.pathname === '/api/v1/messages' && request.method === 'GET') {
    const start = Math.max(0, Number(url.searchParams.get('start') ?? 0) || 0);
    const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50);
    const page = messages.slice(start, start + limit);
    const unread = messages.filter((m) => !m.Read).length;
    return send(response, 200, {
      total: messages.length,
      unread,
      count: page.length,
      messages_count: messages.length,
      messages_unread: unread,
      start,
      tags: [],
      messages: page.map(summary),
    });
  }
  if (url.pathname === '/api/v1/messages' && request.method === 'DELETE') {
    const { IDs } = await readJson(request);
    const drop = Array.isArray(IDs) && IDs.length > 0 ? new Set(IDs) : undefined;
    const kept = drop ? messages.filter((m) => !drop.has(m.ID)) : [];
    messages.splice(0, messages.length, ...kept);
    return send(response, 200, 'ok', 'text/plain');
  }
  if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'message' && parts[3] && request.method === 'GET') {
    const message = messages.find((m) => m.ID === parts[3]);
    if (!message) return send(response, 404, 'message not found', 'text/plain');
    if (parts[4] === 'raw') return send(response, 200, message.raw, 'message/rfc822');
    message.Read = true;
    return send(response, 200, detail(message));
  }
  return send(response, 404, 'not found', 'text/plain');
}

const http = createServer((request, response) => {
  route(request, response).catch((error) => send(response, 400, { error: error.message }));
});

// Dual-stack where IPv6 exists, so `localhost` works whichever address it resolves to first.
function listen(server, port, name) {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      if (error.code !== 'EAFNOSUPPORT' && error.code !== 'EADDRNOTAVAIL') return reject(error);
      server.listen(port, '0.0.0.0', resolve);
    });
    server.listen(port, '::', () => {
      console.log(`${name} listening on ${port}`);
      resolve();
    });
  });
}

await listen(smtp.server, Number(values['smtp-port']), 'SMTP');
await listen(http, Number(values['http-port']), 'HTTP API');

const shutdown = () => {
  http.close();
  smtp.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
