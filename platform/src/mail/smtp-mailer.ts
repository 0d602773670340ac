import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Mailer, MailMessage } from './mailer.js';

export class SmtpMailer implements Mailer {
  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {}

  /**
   * One connection per message, as nodemailer's default transport makes anyway. Nodemailer cannot
   * cancel a send, so the socket is ours and `signal` destroys it: a message the server had not yet
   * accepted is then dropped, rather than delivered after its sender gave up and sent it again.
   */
  async send(message: MailMessage, signal?: AbortSignal) {
    signal?.throwIfAborted();
    // The transport itself, as createTransport would drop `getSocket` beside a URL.
    const transport = nodemailer.createTransport(
      new SMTPTransport({
        url: this.url,
        getSocket: signal && ((options, callback) => connectUntil(signal, options, callback)),
      }),
    );
    try {
      await transport.sendMail({ from: this.from, ...message });
    } finally {
      transport.close();
    }
  }

  async close() {}
}

/** An open connection to the server (nodemailer upgrades it to TLS for smtps) that `signal` closes. */
function connectUntil(
  signal: AbortSignal,
  options: { host?: string; port?: number; secure?: boolean },
  callback: (err: Error | null, socket?: { connection: Socket }) => void,
) {
  const socket = connect({
    host: options.host ?? 'localhost',
    port: Number(options.port) || (options.secure ? 465 : 587),
  });
  const close = () => socket.destroy(new Error('Mail send abandoned'));
  signal.addEventListener('abort', close, { once: true });
  socket.once('close', () => signal.removeEventListener('abort', close));
  const failed = (err: Error) => callback(err);
  socket.once('error', failed);
  socket.once('connect', () => {
    socket.off('error', failed);
    callback(null, { connection: socket });
  });
}
