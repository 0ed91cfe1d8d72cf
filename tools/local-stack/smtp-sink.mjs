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
//
// With --data-file, what it receives is also appended to that file and read back at start, so stopping the sink
// (an SMTP outage in a fault test, a stack restart) loses no mail that it had accepted.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const { values } = parseArgs({
  options: {
    'smtp-port': { type: 'string', default: '1025' },
    'http-port': { type: 'string', default: '8025' },
    'max-messages': { type: 'string', default: '1000' },
    'stack-home': { type: 'string' },
    'data-file': { type: 'string' },
  },
});
const maxMessages = Number(values['max-messages']);
const dataFile = values['data-file'];
const messages = load(); // newest first

/** The messages kept in the data file (oldest line first), newest first, at most maxMessages. */
function load() {
  if (!dataFile || !existsSync(dataFile)) return [];
  return readFileSync(dataFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const stored = JSON.parse(line);
      return { ...stored, raw: Buffer.from(stored.raw, 'base64') };
    })
    .reverse()
    .slice(0, maxMessages);
}

const line = (message) => `${JSON.stringify({ ...message, raw: message.raw.toString('base64') })}\n`;

function keep(message) {
  messages.unshift(message);
  if (!dataFile) {
    messages.length = Math.min(messages.length, maxMessages);
    return;
  }
  appendFileSync(dataFile, line(message));
  // The file is rewritten only now and then: one line per mail is the common case.
  if (messages.length > maxMessages * 1.1) {
    messages.length = maxMessages;
    rewrite();
  }
}

function rewrite() {
  if (dataFile) writeFileSync(dataFile, [...messages].reverse().map(line).join(''));
}

if (dataFile) mkdirSync(dirname(dataFile), { recursive: true });

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
        keep(toStored(await simpleParser(raw), raw, session.envelope));
        callback();
      } catch (error) {
        callback(error);
      }
    });
  },
});

// A client that goes away mid-conversation (a service killed with kill -9 by the fault tests) resets its connection:
// smtp-server reports that as an 'error' on the server, which unheard would end the sink for every other client.
smtp.on('error', (error) => console.warn(`SMTP client connection: ${error.code ?? error.message}`));

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
    rewrite();
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

// Loopback only (127.0.0.1), like the rest of the stack: the sink takes mail from anyone and shows it to anyone, so
// nothing off the machine may reach it. Clients that resolve `localhost` to ::1 first fall back to 127.0.0.1 (Node's
// autoSelectFamily, curl and Java try every address).
function listen(server, port, name) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      console.log(`${name} listening on 127.0.0.1:${port}`);
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
