import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { AnalyticsServices } from './context.js';
import type { AnalyticsEvents } from './facts.js';
import { FactRow, LoggedEventRow } from './log.entity.js';
import { migrations } from './migrations/index.js';
import { projectionHandlers } from './projection.js';
import { ReportResolver } from './report.resolver.js';
import { ReportService } from './report.service.js';

/**
 * Figures for sellers and admins, from read models fed only by other domains' events (it reads no
 * table of theirs): each event is logged and folded into facts, and reports count the facts.
 */
export const analytics: SubgraphDefinition<AnalyticsServices, Record<string, never>> = {
  name: 'analytics',
  entities: [LoggedEventRow, FactRow],
  migrations,
  resolvers: [ReportResolver],

  async start({ bus, logger }, orm) {
    const outbox = new Outbox<Record<string, never>>(orm, bus, logger);
    const stopConsuming = await consumeEvents<AnalyticsEvents, Record<string, never>>({
      bus,
      outbox,
      consumer: 'analytics',
      handlers: projectionHandlers(),
      logger,
    });
    return {
      services: { reports: new ReportService(orm.em as never) },
      createLoaders: () => ({}),
      async stop() {
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};

export type { AnalyticsServices } from './context.js';
export { rebuild } from './projection.js';
