import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { logFile, runningPid, startDetached, tail } from './processes.mjs';
import { mail, paths, stackDir } from './settings.mjs';

const sinkScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'smtp-sink.mjs');
export const mailApiUrl = `http://localhost:${mail.httpPort}`;

export function startMailSink() {
  if (runningPid('smtp-sink')) return;
  startDetached('smtp-sink', process.execPath, [
    sinkScript,
    `--smtp-port=${mail.smtpPort}`,
    `--http-port=${mail.httpPort}`,
    `--max-messages=${mail.maxMessages}`,
    `--stack-home=${stackDir}`,
    `--data-file=${join(paths.data, 'mail', 'messages.jsonl')}`,
  ]);
}

function smtpGreets() {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: mail.smtpPort });
    socket.setTimeout(2000, () => socket.destroy(new Error('SMTP greeting timed out')));
    socket.once('data', (chunk) => {
      socket.end('QUIT\r\n');
      resolve(chunk.toString().startsWith('220'));
    });
    socket.once('error', reject);
  });
}

/** Real requests: an SMTP 220 greeting and the Mailpit-style message list. */
export async function mailAnswers() {
  const response = await fetch(`${mailApiUrl}/api/v1/messages?limit=1`, { signal: AbortSignal.timeout(3000) });
  return response.ok && typeof (await response.json()).total === 'number' && (await smtpGreets());
}

export const mailComponent = {
  key: 'mail',
  processes: ['smtp-sink'],
  ports: [
    [mail.smtpPort, 'SMTP sink'],
    [mail.httpPort, 'SMTP sink HTTP API'],
  ],
  endpoint: `smtp://localhost:${mail.smtpPort}, ${mailApiUrl}/api/v1/messages`,
  start: startMailSink,
  answers: mailAnswers,
  explainExit: () => tail(logFile('smtp-sink'), 30),
  timeoutMs: 20_000,
};
