import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { ReportService } from './report.service.js';

export interface AnalyticsServices {
  reports: ReportService;
}

export type AnalyticsContext = SubgraphContext<AnalyticsServices, Record<string, never>>;
