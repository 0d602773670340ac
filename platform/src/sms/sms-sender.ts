import type { Logger } from '../logger.js';

/** Sends text messages. The embedded sender only logs; WebhookSms posts to a gateway you run. */
export interface SmsSender {
  send(to: string, text: string, signal?: AbortSignal): Promise<void>;
}

export class LogSms implements SmsSender {
  constructor(private readonly logger: Logger) {}

  async send(to: string, text: string) {
    this.logger.info({ to, text }, 'sms captured');
  }
}

/** POSTs `{ "to": "+15550100", "text": "..." }` as JSON; any 2xx answer counts as sent. */
export class WebhookSms implements SmsSender {
  constructor(private readonly url: string) {}

  async send(to: string, text: string, signal?: AbortSignal) {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to, text }),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`SMS webhook answered ${response.status}`);
  }
}
