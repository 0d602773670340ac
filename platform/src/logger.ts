import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON logs, one line per event; `destination` defaults to stdout. */
export function createLogger(options: { level: string; service: string; destination?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets must never reach the logs, even when a whole request or event is logged.
    redact: {
      paths: [
        '*.password',
        '*.newPassword',
        '*.currentPassword',
        '*.token',
        '*.refreshToken',
        '*.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
