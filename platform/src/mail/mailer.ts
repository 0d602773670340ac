export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends email. SmtpMailer talks to a real server; FileMailer keeps each message as a .eml file. */
export interface Mailer {
  /** `signal` gives up on the send: an SMTP message not yet accepted is then not delivered. */
  send(message: MailMessage, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
