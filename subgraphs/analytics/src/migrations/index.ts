import { Migration20261206220000_analytics } from './Migration20261206220000_analytics.js';
import { Migration20261206230500_learning_storage } from './Migration20261206230500_learning_storage.js';
import { Migration20261206231700_sales } from './Migration20261206231700_sales.js';
import { Migration20261206233300_facts_by_time } from './Migration20261206233300_facts_by_time.js';
import { Migration20261206234500_facts_by_time_covering } from './Migration20261206234500_facts_by_time_covering.js';

export const migrations = [
  { name: 'Migration20261206220000_analytics', class: Migration20261206220000_analytics },
  { name: 'Migration20261206230500_learning_storage', class: Migration20261206230500_learning_storage },
  { name: 'Migration20261206231700_sales', class: Migration20261206231700_sales },
  { name: 'Migration20261206233300_facts_by_time', class: Migration20261206233300_facts_by_time },
  { name: 'Migration20261206234500_facts_by_time_covering', class: Migration20261206234500_facts_by_time_covering },
];
