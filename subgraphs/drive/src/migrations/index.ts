import { Migration20261122300000_drive } from './Migration20261122300000_drive.js';
import { Migration20261122310000_conversation_access } from './Migration20261122310000_conversation_access.js';
import { Migration20261122320000_grants_per_message } from './Migration20261122320000_grants_per_message.js';
import { Migration20261122330000_upload_tombstones } from './Migration20261122330000_upload_tombstones.js';
import { Migration20261122340000_purchase_grants } from './Migration20261122340000_purchase_grants.js';
import { Migration20261122350000_purchase_revocations } from './Migration20261122350000_purchase_revocations.js';
import { Migration20261122360000_trash } from './Migration20261122360000_trash.js';
import { Migration20261204100000_return_photo_grants } from './Migration20261204100000_return_photo_grants.js';

export const migrations = [
  { name: 'Migration20261122300000_drive', class: Migration20261122300000_drive },
  { name: 'Migration20261122310000_conversation_access', class: Migration20261122310000_conversation_access },
  { name: 'Migration20261122320000_grants_per_message', class: Migration20261122320000_grants_per_message },
  { name: 'Migration20261122330000_upload_tombstones', class: Migration20261122330000_upload_tombstones },
  { name: 'Migration20261122340000_purchase_grants', class: Migration20261122340000_purchase_grants },
  { name: 'Migration20261122350000_purchase_revocations', class: Migration20261122350000_purchase_revocations },
  { name: 'Migration20261122360000_trash', class: Migration20261122360000_trash },
  { name: 'Migration20261204100000_return_photo_grants', class: Migration20261204100000_return_photo_grants },
];
