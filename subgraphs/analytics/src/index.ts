import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { AnalyticsServices } from './context.js';
import { FactRow, LoggedEventRow } from './log.entity.js';
import { migrations } from './migrations/index.js';
import { type HeardEvents, projectionHandlers } from './projection.js';
import { LearningReportResolver } from './learning.resolver.js';
import { LearningReportService } from './learning.service.js';
import { ReportResolver } from './report.resolver.js';
import { ReportService } from './report.service.js';
import { SalesResolver } from './sales.resolver.js';
import { SalesService } from './sales.service.js';
import { StorageReportResolver } from './storage.resolver.js';
import { StorageReportService } from './storage.service.js';

/**
 * Figures for sellers, instructors, students and admins, from read models fed only by other domains' events (it
 * reads no table of theirs): each event is logged and folded into the read models (projection.ts), and the reports
 * count their rows at query time, in the caller's time zone.
 */
export const analytics: SubgraphDefinition<AnalyticsServices, Record<string, never>> = {
  name: 'analytics',
  entities: [LoggedEventRow, FactRow],
  migrations,
  resolvers: [ReportResolver, SalesResolver, LearningReportResolver, StorageReportResolver],

  async start({ bus, logger }, orm) {
    const outbox = new Outbox<Record<string, never>>(orm, bus, logger);
    const stopConsuming = await consumeEvents<HeardEvents, Record<string, never>>({
      bus,
      outbox,
      consumer: 'analytics',
      handlers: projectionHandlers(),
      logger,
    });
    return {
      services: {
        reports: new ReportService(orm.em as never),
        sales: new SalesService(orm.em as never),
        learning: new LearningReportService(orm.em as never),
        storage: new StorageReportService(orm.em as never),
      },
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
