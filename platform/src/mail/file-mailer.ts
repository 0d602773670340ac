import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { uuidv7 } from '../ids.js';
import type { Logger } from '../logger.js';
import type { Mailer, MailMessage } from './mailer.js';

/** Embedded mode's mail: each message is built exactly as SMTP would send it and kept as a file. */
export class FileMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly directory: string,
    private readonly from: string,
    private readonly logger: Logger,
  ) {
    this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(message: MailMessage) {
    const info = await this.transport.sendMail({ from: this.from, ...message });
    await mkdir(this.directory, { recursive: true });
    const file = join(this.directory, `${uuidv7()}.eml`);
    await writeFile(file, info.message as Buffer);
    this.logger.info({ to: message.to, subject: message.subject, file }, 'mail captured');
  }

  async close() {
    this.transport.close();
  }
}
