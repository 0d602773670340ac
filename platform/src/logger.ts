import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; service: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets must never reach the logs, even when a whole request or event is logged.
    redact: {
      paths: ['*.password', '*.newPassword', '*.currentPassword', '*.token', '*.refreshToken', '*.authorization', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}
