import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { LearningReportService } from './learning.service.js';
import type { ReportService } from './report.service.js';
import type { SalesService } from './sales.service.js';
import type { StorageReportService } from './storage.service.js';

export interface AnalyticsServices {
  reports: ReportService;
  sales: SalesService;
  learning: LearningReportService;
  storage: StorageReportService;
}

export type AnalyticsContext = SubgraphContext<AnalyticsServices, Record<string, never>>;
