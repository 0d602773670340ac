import { Migration20261124100000_payments } from './Migration20261124100000_payments.js';

export const migrations = [{ name: 'Migration20261124100000_payments', class: Migration20261124100000_payments }];
