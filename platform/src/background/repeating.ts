import type { Logger } from '../logger.js';

/**
 * Background work on a timer (sweepers): `work` runs every `everyMs`, never two runs at once, so a
 * slow run delays the next instead of piling up. A failed run is logged and the next one tries
 * again; stop() waits for a run under way, so shutdown never cuts one in half.
 */
export class Repeating {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(): this {
    this.timer ??= setInterval(() => void this.run(), this.everyMs).unref();
    return this;
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One run now, or the run already under way. */
  run(): Promise<void> {
    this.running ??= this.work()
      .then(() => undefined)
      .catch((err) => this.logger.warn({ err }, `${this.name} failed`))
      .finally(() => (this.running = null));
    return this.running;
  }
}
