import { Migration } from '@mikro-orm/migrations';

export class Migration20261204100000_return_requests extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.return_requests (
      id uuid primary key,
      order_id uuid not null references ${s}.orders (id),
      buyer_id uuid not null,
      seller_id uuid not null,
      status text not null,
      reason text not null,
      details text not null default '',
      items_amount integer not null check (items_amount > 0),
      refund_amount integer check (refund_amount > 0),
      currency text not null,
      refund_id uuid,
      photo_ids uuid[] not null default '{}',
      accepted_photo_ids uuid[] not null default '{}',
      refused_photo_ids uuid[] not null default '{}',
      photos_checked boolean not null default false,
      decline_reason text,
      escalation_note text,
      resolution_note text,
      refund_failure text,
      answered_at timestamptz,
      escalated_at timestamptz,
      resolved_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index return_requests_by_order on ${s}.return_requests (order_id)`);
    this.addSql(`create index return_requests_by_buyer on ${s}.return_requests (buyer_id, id desc)`);
    this.addSql(`create index return_requests_by_seller on ${s}.return_requests (seller_id, id desc)`);
    this.addSql(`create index return_requests_escalated on ${s}.return_requests (id) where status = 'ESCALATED'`);
    this.addSql(`create table ${s}.return_request_items (
      id uuid primary key,
      request_id uuid not null references ${s}.return_requests (id),
      order_item_id uuid not null references ${s}.order_items (id),
      quantity integer not null check (quantity > 0),
      open boolean not null,
      unique (request_id, order_item_id)
    )`);
    // One open request per order line, whatever races the service's own lock might miss.
    this.addSql(
      `create unique index return_request_items_one_open on ${s}.return_request_items (order_item_id) where open`,
    );
  }
}
