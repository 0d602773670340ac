import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { waitFor } from '@peerlink/platform/testing/wait-for';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server on a free port; the stack's SmtpMailer delivers to it. */
export class Mailbox {
  readonly messages: ReceivedMail[] = [];
  /** While true the server refuses every message, as a full or broken mail server would. */
  rejecting = false;
  private constructor(private readonly server: SMTPServer, readonly url: string) {}

  static async start(): Promise<Mailbox> {
    const messages: ReceivedMail[] = [];
    let mailbox!: Mailbox;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        if (mailbox.rejecting) {
          stream.resume();
          return stream.on('end', () => callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 451 })));
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const { subject, text } = parseMessage(Buffer.concat(chunks).toString('utf8'));
          for (const to of session.envelope.rcptTo) messages.push({ to: to.address, subject, text });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    mailbox = new Mailbox(server, `smtp://127.0.0.1:${port}`);
    (mailbox as { messages: ReceivedMail[] }).messages = messages;
    return mailbox;
  }

  /** Waits for a message to `to` whose subject matches. */
  waitFor(to: string, subject: RegExp): Promise<ReceivedMail> {
    return waitFor(`mail to ${to} matching ${subject}`, () => this.messages.find((m) => m.to === to && subject.test(m.subject)));
  }

  count(to: string, subject: RegExp): number {
    return this.messages.filter((m) => m.to === to && subject.test(m.subject)).length;
  }

  async close() {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The token in a verification or reset email. */
export function tokenFrom(mail: ReceivedMail): string {
  const match = /Token: (\S+)/.exec(mail.text);
  if (!match) throw new Error(`no token in mail: ${mail.text}`);
  return match[1]!;
}

/** Just enough MIME for the single-part text messages PeerLink sends. */
function parseMessage(raw: string): { subject: string; text: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headers)?.[1]?.trim() ?? '';
  const body = rest.join('\n\n');
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
        : body;
  return { subject: header('Subject'), text };
}
