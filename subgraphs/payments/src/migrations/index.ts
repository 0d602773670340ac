import { Migration20261124100000_payments } from './Migration20261124100000_payments.js';
import { Migration20261124110000_refunds } from './Migration20261124110000_refunds.js';
import { Migration20261124120000_webhook_events } from './Migration20261124120000_webhook_events.js';
import { Migration20261125100000_payment_methods } from './Migration20261125100000_payment_methods.js';
import { Migration20261125200000_plans } from './Migration20261125200000_plans.js';
import { Migration20261125300000_payouts } from './Migration20261125300000_payouts.js';
import { Migration20261126100000_pending_plan_subscriptions } from './Migration20261126100000_pending_plan_subscriptions.js';
import { Migration20261126200000_sandbox_records } from './Migration20261126200000_sandbox_records.js';
import { Migration20261205100000_request_fingerprints } from './Migration20261205100000_request_fingerprints.js';
import { Migration20261205110000_provider_payment_index } from './Migration20261205110000_provider_payment_index.js';

export const migrations = [
  { name: 'Migration20261124100000_payments', class: Migration20261124100000_payments },
  { name: 'Migration20261124110000_refunds', class: Migration20261124110000_refunds },
  { name: 'Migration20261124120000_webhook_events', class: Migration20261124120000_webhook_events },
  { name: 'Migration20261125100000_payment_methods', class: Migration20261125100000_payment_methods },
  { name: 'Migration20261125200000_plans', class: Migration20261125200000_plans },
  { name: 'Migration20261125300000_payouts', class: Migration20261125300000_payouts },
  {
    name: 'Migration20261126100000_pending_plan_subscriptions',
    class: Migration20261126100000_pending_plan_subscriptions,
  },
  { name: 'Migration20261126200000_sandbox_records', class: Migration20261126200000_sandbox_records },
  { name: 'Migration20261205100000_request_fingerprints', class: Migration20261205100000_request_fingerprints },
  { name: 'Migration20261205110000_provider_payment_index', class: Migration20261205110000_provider_payment_index },
];
