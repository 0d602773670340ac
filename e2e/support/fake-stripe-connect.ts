import type { Route } from './fake-stripe.js';
import { error, invalid, metadataOf, missing, paramNames, token, type Answer } from './fake-stripe-wire.js';

type Account = Record<string, unknown> & {
  id: string;
  capabilities: Record<string, string>;
  details_submitted: boolean;
  payouts_enabled: boolean;
};
type Transfer = Record<string, unknown> & {
  id: string;
  amount: number;
  amount_reversed: number;
  currency: string;
  reversals: Record<string, unknown> & { data: object[]; total_count: number };
};
type Charge = { id: string; amount: number; currency: string };

/** The Connect endpoints PeerLink calls, with the form fields Stripe takes for them. */
export function connectRoutes(connect: FakeConnect): Route[] {
  return [
    {
      method: 'POST',
      path: /^\/v1\/accounts$/,
      params: paramNames(
        /type|country|email|business_type|default_currency|capabilities\[[a-z_]+\]\[requested\]|metadata\[.+\]/,
        /controller\[(fees\]\[payer|losses\]\[payments|requirement_collection|stripe_dashboard\]\[type)\]/,
      ),
      handle: (params) => connect.createAccount(params),
    },
    {
      method: 'GET',
      path: /^\/v1\/accounts\/([^/]+)$/,
      params: /^expand\[\d+\]$/,
      handle: (_, [id]) => connect.account(id!),
    },
    {
      method: 'POST',
      path: /^\/v1\/account_links$/,
      params: /^(account|type|refresh_url|return_url|collect|collection_options\[(fields|future_requirements)\])$/,
      handle: (params) => connect.accountLink(params),
    },
    {
      method: 'POST',
      path: /^\/v1\/transfers$/,
      params:
        /^(amount|currency|destination|transfer_group|source_transaction|source_type|description|metadata\[.+\])$/,
      handle: (params) => connect.transfer(params),
    },
    {
      method: 'POST',
      path: /^\/v1\/transfers\/([^/]+)\/reversals$/,
      params: /^(amount|description|refund_application_fee|metadata\[.+\])$/,
      handle: (params, [id]) => connect.reverse(id!, params),
    },
  ];
}

/**
 * Stripe Connect in test mode: accounts that start unverified and take transfers once onboarded
 * (`completeOnboarding`, what the seller does on Stripe's pages), account links, and transfers from
 * a charge (`source_transaction`) with their reversals, refused as Stripe refuses them.
 */
export class FakeConnect {
  readonly accounts = new Map<string, Account>();
  readonly transfers = new Map<string, Transfer>();
  /** While set, reversals are refused with this message, as when a connected account cannot be debited. */
  refuseReversals: string | null = null;
  /** While set, transfers are refused with this message, as for a restriction Stripe puts on an enabled account. */
  refuseTransfers: string | null = null;
  /** What has been transferred out of each charge. */
  private readonly transferredFrom = new Map<string, number>();

  constructor(
    private readonly origin: () => string,
    private readonly chargeOf: (
      chargeId: string,
    ) => { latest_charge: string | null; amount: number; currency: string } | null,
  ) {}

  createAccount(params: Record<string, string>): Answer {
    const dashboard = params['controller[stripe_dashboard][type]'];
    if (
      dashboard === 'express' &&
      (params['controller[fees][payer]'] !== 'application' || params['controller[losses][payments]'] !== 'application')
    ) {
      return invalid(
        'Express accounts require `controller[fees][payer]=application` and ' +
          '`controller[losses][payments]=application`.',
        'controller',
      );
    }
    const requested = Object.keys(params).flatMap(
      (name) => /^capabilities\[([a-z_]+)\]\[requested\]$/.exec(name)?.[1] ?? [],
    );
    const id = `acct_${token().slice(0, 16)}`;
    const account: Account = {
      id,
      object: 'account',
      type: params.type ?? (dashboard === 'express' ? 'express' : 'standard'),
      controller: {
        type: 'application',
        is_controller: true,
        fees: { payer: params['controller[fees][payer]'] ?? 'account' },
        stripe_dashboard: { type: dashboard ?? 'full' },
      },
      capabilities: Object.fromEntries(requested.map((name) => [name, 'inactive'])),
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      requirements: {
        currently_due: ['business_type', 'external_account', 'tos_acceptance.date', 'tos_acceptance.ip'],
        disabled_reason: 'requirements.past_due',
      },
      metadata: metadataOf(params),
      created: Math.floor(Date.now() / 1000),
    };
    this.accounts.set(id, account);
    return { status: 200, body: account };
  }

  account(id: string): Answer {
    const account = this.accounts.get(id);
    if (!account) return noAccess(id);
    return { status: 200, body: account };
  }

  completeOnboarding(id: string): Account {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`No account ${id}`);
    Object.assign(account, {
      details_submitted: true,
      payouts_enabled: true,
      capabilities: Object.fromEntries(Object.keys(account.capabilities).map((name) => [name, 'active'])),
      requirements: { currently_due: [], disabled_reason: null },
    });
    return account;
  }

  accountLink(params: Record<string, string>): Answer {
    for (const name of ['account', 'type'] as const)
      if (!params[name]) return invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
    if (params.type !== 'account_onboarding' && params.type !== 'account_update')
      return invalid(`Invalid type: must be one of account_onboarding or account_update`, 'type');
    if (!this.accounts.has(params.account!)) return noAccess(params.account!);
    for (const name of ['refresh_url', 'return_url'] as const) {
      if (!params[name]) return invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
      if (!URL.canParse(params[name]!)) return invalid('Not a valid URL', name, 'url_invalid');
    }
    const created = Math.floor(Date.now() / 1000);
    return {
      status: 200,
      body: {
        object: 'account_link',
        created,
        expires_at: created + 300,
        url: `${this.origin()}/setup/e/${params.account}/${token()}`,
      },
    };
  }

  transfer(params: Record<string, string>): Answer {
    if (this.refuseTransfers) return invalid(this.refuseTransfers, 'destination');
    const amount = Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1)
      return invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
    if (!params.currency) return invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    const destination = this.accounts.get(params.destination ?? '');
    if (!destination)
      return invalid(`No such destination: '${params.destination ?? ''}'`, 'destination', 'resource_missing');
    if (destination.capabilities.transfers !== 'active') {
      return invalid(
        'Your destination account needs to have at least one of the following capabilities enabled: ' +
          'transfers, crypto_transfers, legacy_payments',
        'destination',
        'insufficient_capabilities_for_transfer',
      );
    }
    let source: Charge | null = null;
    if (params.source_transaction) {
      const intent = this.chargeOf(params.source_transaction);
      if (!intent)
        return invalid(`No such charge: '${params.source_transaction}'`, 'source_transaction', 'resource_missing');
      source = { id: params.source_transaction, amount: intent.amount, currency: intent.currency };
      if (source.currency !== params.currency)
        return invalid(
          `The currency of source_transaction's balance transaction (${source.currency}) must be the same as ` +
            `the transfer currency (${params.currency})`,
          'currency',
        );
      const left = source.amount - (this.transferredFrom.get(source.id) ?? 0);
      if (amount > left)
        return invalid(
          `Insufficient funds in source_transaction ${source.id}: only ${left} left to transfer.`,
          'amount',
          'balance_insufficient',
        );
      this.transferredFrom.set(source.id, source.amount - left + amount);
    }
    const id = `tr_${token()}`;
    const transfer: Transfer = {
      id,
      object: 'transfer',
      amount,
      amount_reversed: 0,
      currency: params.currency,
      destination: destination.id,
      source_transaction: source?.id ?? null,
      transfer_group: params.transfer_group ?? null,
      description: params.description ?? null,
      metadata: metadataOf(params),
      reversed: false,
      reversals: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/transfers/${id}/reversals` },
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
    this.transfers.set(id, transfer);
    return { status: 200, body: transfer };
  }

  reverse(transferId: string, params: Record<string, string>): Answer {
    const transfer = this.transfers.get(transferId);
    if (!transfer) return missing(`No such transfer: '${transferId}'`, 'id');
    if (this.refuseReversals) return invalid(this.refuseReversals);
    const left = transfer.amount - transfer.amount_reversed;
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1)
      return invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
    if (amount > left)
      return invalid(
        `You have requested a reversal of ${amount}, but only ${left} remains to be reversed on transfer ` +
          `${transferId}.`,
        'amount',
      );
    const reversal = {
      id: `trr_${token()}`,
      object: 'transfer_reversal',
      amount,
      currency: transfer.currency,
      transfer: transferId,
      metadata: metadataOf(params),
      created: Math.floor(Date.now() / 1000),
    };
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    transfer.reversals.data.unshift(reversal);
    transfer.reversals.total_count += 1;
    return { status: 200, body: reversal };
  }
}

/** How Stripe answers for an account that does not exist or is not the platform's. */
const noAccess = (id: string): Answer =>
  error(403, {
    type: 'invalid_request_error',
    code: 'account_invalid',
    message:
      `The provided key does not have access to account '${id}' (or that account does not exist). Application ` +
      `access may have been revoked.`,
  });
