// The development SMTP sink, started as a process of its own on free ports (the stack's sink is left alone).
import { freePort, waitFor } from '@kafka-platform/testing';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';

/** Writes one SMTP command and resolves with the server's reply to it. */
async function command(socket: Socket, line: string): Promise<string> {
  const reply = once(socket, 'data');
  socket.write(`${line}\r\n`);
  return String((await reply)[0]);
}

describe('the development SMTP sink', () => {
  let sink: ChildProcess;
  let smtpPort: number;
  let httpPort: number;
  let exited: number | null | undefined;

  beforeAll(async () => {
    [smtpPort, httpPort] = [await freePort(), await freePort()];
    sink = spawn(
      process.execPath,
      [join(__dirname, '..', 'smtp-sink.mjs'), '--smtp-port', String(smtpPort), '--http-port', String(httpPort)],
      { stdio: 'ignore' },
    );
    sink.on('exit', (code) => (exited = code));
    await waitFor('the sink to be ready', async () => {
      const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
      return response?.ok === true;
    });
  });
  afterAll(() => {
    sink?.kill();
  });

  it('lives on when a client resets its connection inside a mail transaction (fault b: a killed email-service ended it)', async () => {
    const client = connect(smtpPort, '127.0.0.1');
    await once(client, 'data'); // the greeting
    expect(await command(client, 'EHLO killed.example')).toMatch(/^250/);
    expect(await command(client, 'MAIL FROM:<a@example.com>')).toMatch(/^250/);
    expect(await command(client, 'RCPT TO:<b@example.com>')).toMatch(/^250/);
    expect(await command(client, 'DATA')).toMatch(/^354/);
    client.write('Subject: half a mail\r\n\r\nthe sender dies here');
    client.resetAndDestroy(); // what the kernel does for a process killed with kill -9: an RST, not a FIN

    // Another client's mail still goes through, and the sink still serves it.
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({
      from: 'a@example.com',
      to: 'after@example.com',
      subject: 'after the reset',
      text: 'hi',
    });
    const response = await fetch(`http://127.0.0.1:${httpPort}/api/v1/messages`);
    const { messages } = (await response.json()) as { messages: { Subject: string }[] };
    expect(messages.map((message) => message.Subject)).toEqual(['after the reset']);
    expect(exited).toBeUndefined();
  });
});
