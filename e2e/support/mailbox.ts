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
  /** Addresses refused by `refuseNextTo`, one entry per refusal. */
  readonly refused: string[] = [];
  /** Addresses whose next message is refused with "try again later" (451), once each. */
  private readonly refusing = new Set<string>();
  /** While set, the server reads messages but answers none until it resolves, and then refuses them (451). */
  private held: Promise<void> | null = null;
  private constructor(
    private readonly server: SMTPServer,
    readonly url: string,
  ) {}

  static async start(): Promise<Mailbox> {
    const messages: ReceivedMail[] = [];
    const closed = new Set<string>();
    let mailbox!: Mailbox;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (mailbox.refusing.delete(address.address)) {
          mailbox.refused.push(address.address);
          return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          const held = mailbox.held;
          if (held) {
            // A stuck server that recovers answers what it held "try again later", never "accepted" late:
            // a late acceptance can race the sender giving up, and then nothing tells a resend from a
            // duplicate (SMTP has no idempotency key).
            await held;
            if (closed.has(session.id)) return;
            return callback(Object.assign(new Error('Server was busy, try again later'), { responseCode: 451 }));
          }
          // A message is delivered only with the server's answer: one whose sender hung up before it
          // was never accepted (the sender will send it again).
          if (closed.has(session.id)) return;
          const { subject, text } = parseMessage(Buffer.concat(chunks).toString('utf8'));
          for (const to of session.envelope.rcptTo) messages.push({ to: to.address, subject, text });
          callback();
        });
      },
      onClose(session) {
        closed.add(session.id);
      },
    });
    // A sender that gives up on a held message closes its connection mid-talk: not the server's failure.
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    mailbox = new Mailbox(server, `smtp://127.0.0.1:${port}`);
    (mailbox as { messages: ReceivedMail[] }).messages = messages;
    return mailbox;
  }

  /** Refuses the next message to `address` with a temporary error (451), as a busy mail server would. */
  refuseNextTo(address: string) {
    this.refusing.add(address);
  }

  /**
   * Holds every answer from now until the returned release is called (idempotent); what was held is then
   * answered 451, so only sends after the release are delivered.
   */
  hold(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.held = held;
    return () => {
      if (this.held === held) this.held = null;
      release();
    };
  }

  /** Waits for a message to `to` whose subject matches. */
  waitFor(to: string, subject: RegExp): Promise<ReceivedMail> {
    return waitFor(`mail to ${to} matching ${subject}`, () =>
      this.messages.find((m) => m.to === to && subject.test(m.subject)),
    );
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
        ? Buffer.from(
            body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8')
        : body;
  return { subject: header('Subject'), text };
}
