import type { StripeEvent } from './fake-stripe.js';
import { error, invalid, metadataOf, missing, now, token, type Answer, type Outcome } from './fake-stripe-wire.js';

type StripeObject = Record<string, unknown> & { id: string };
type Price = StripeObject & { unit_amount: number; currency: string; recurring: { interval: 'month' | 'year' } };
type Subscription = StripeObject & {
  customer: string;
  status: string;
  cancel_at_period_end: boolean;
  default_payment_method: string | null;
  price: Price;
};

/** What billing needs of the rest of the fake: customers, charging a saved card, events. */
export interface BillingHost {
  customers: Map<string, unknown>;
  paymentMethods: Map<string, { customer: string | null }>;
  chargeable(paymentMethod: string, customer: string): { outcome: Outcome } | { answer: Answer };
  event(type: string, object: Record<string, unknown>): StripeEvent;
}

/**
 * Stripe Billing in the fake: Products, recurring Prices and Subscriptions paid at once
 * (`error_if_incomplete`), and the renewals Stripe would run on its clock, which a test triggers
 * with `renew` and `endPeriod` and gets back the events Stripe would send, to deliver as it likes.
 */
export class FakeStripeBilling {
  readonly products = new Map<string, StripeObject>();
  readonly prices = new Map<string, Price>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly invoices = new Map<string, StripeObject & { subscription: string }>();
  /**
   * The events Stripe sent as each subscription started (its first invoice paid, and that invoice's PaymentIntent), by
   * subscription id.
   */
  readonly started = new Map<string, StripeEvent[]>();

  constructor(private readonly host: BillingHost) {}

  createProduct(params: Record<string, string>): Answer {
    if (!params.name) return invalid('Missing required param: name.', 'name', 'parameter_missing');
    const product = {
      id: `prod_${token()}`,
      object: 'product',
      name: params.name,
      description: params.description ?? null,
      active: true,
      metadata: metadataOf(params),
      created: now(),
      livemode: false,
    };
    this.products.set(product.id, product);
    return { status: 200, body: product };
  }

  createPrice(params: Record<string, string>): Answer {
    if (!this.products.has(params.product ?? ''))
      return invalid(`No such product: '${params.product ?? ''}'`, 'product', 'resource_missing');
    const unitAmount = Number(params.unit_amount);
    if (!Number.isSafeInteger(unitAmount) || unitAmount < 0)
      return invalid('Invalid integer', 'unit_amount', 'parameter_invalid_integer');
    const currency = params.currency ?? '';
    if (!CURRENCIES.has(currency))
      return invalid(
        `Invalid currency: ${currency}. Stripe currently supports these currencies: ` +
          `${[...CURRENCIES].slice(0, 5).join(', ')}, …`,
        'currency',
      );
    const interval = params['recurring[interval]'];
    if (interval !== 'month' && interval !== 'year')
      return invalid('Invalid recurring[interval]: must be one of day, week, month, or year', 'recurring[interval]');
    const price = {
      id: `price_${token()}`,
      object: 'price',
      product: params.product!,
      unit_amount: unitAmount,
      currency,
      type: 'recurring',
      recurring: { interval, interval_count: 1, usage_type: 'licensed' } as { interval: 'month' | 'year' },
      active: true,
      metadata: metadataOf(params),
      created: now(),
      livemode: false,
    };
    this.prices.set(price.id, price);
    return { status: 200, body: price };
  }

  createSubscription(params: Record<string, string>): Answer {
    const customer = params.customer ?? '';
    if (!this.host.customers.has(customer))
      return invalid(`No such customer: '${customer}'`, 'customer', 'resource_missing');
    const price = this.prices.get(params['items[0][price]'] ?? '');
    if (!price)
      return invalid(`No such price: '${params['items[0][price]'] ?? ''}'`, 'items[0][price]', 'resource_missing');
    if (params.payment_behavior !== 'error_if_incomplete')
      return invalid('The fake plays payment_behavior=error_if_incomplete only.', 'payment_behavior');
    const method = params.default_payment_method ?? '';
    if (this.host.paymentMethods.get(method)?.customer !== customer) {
      return invalid(
        `The customer does not have a payment method with the ID ${method}. The payment method must be ` +
          `attached to the customer.`,
        'default_payment_method',
        'resource_missing',
      );
    }
    const refused = this.refusalOf(method, customer);
    if (refused) return error(402, { type: 'card_error', ...refused });
    const start = now();
    const subscription: Subscription = {
      id: `sub_${token()}`,
      object: 'subscription',
      customer,
      status: 'active',
      cancel_at_period_end: false,
      default_payment_method: method,
      metadata: metadataOf(params),
      created: start,
      livemode: false,
      price,
      latest_invoice: null,
      items: {
        object: 'list',
        data: [
          {
            id: `si_${token()}`,
            object: 'subscription_item',
            price,
            quantity: 1,
            current_period_start: start,
            current_period_end: advance(start, price.recurring.interval),
          },
        ],
      },
    };
    this.subscriptions.set(subscription.id, subscription);
    this.started.set(
      subscription.id,
      this.invoiceEvents(this.invoice(subscription, 'subscription_create', true), subscription),
    );
    return { status: 200, body: view(subscription) };
  }

  retrieveSubscription(id: string): Answer {
    const subscription = this.subscriptions.get(id);
    return subscription ? { status: 200, body: view(subscription) } : missing(`No such subscription: '${id}'`, 'id');
  }

  updateSubscription(id: string, params: Record<string, string>): Answer {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return missing(`No such subscription: '${id}'`, 'id');
    if (subscription.status === 'canceled')
      return invalid('A canceled subscription can only update its cancellation_details and metadata.');
    if (params.cancel_at_period_end !== undefined)
      subscription.cancel_at_period_end = params.cancel_at_period_end === 'true';
    Object.assign(subscription.metadata as object, metadataOf(params));
    return { status: 200, body: view(subscription) };
  }

  /**
   * The period is over and Stripe renews: the period moves on, an invoice for the new one is paid
   * with the default card or fails (the subscription is then past due). The events Stripe sends.
   */
  renew(id: string) {
    const subscription = this.live(id);
    if (subscription.cancel_at_period_end) throw new Error(`${id} ends with its period: use endPeriod`);
    const item = itemOf(subscription);
    Object.assign(item, {
      current_period_start: item.current_period_end,
      current_period_end: advance(item.current_period_end, subscription.price.recurring.interval),
    });
    const paid =
      !!subscription.default_payment_method &&
      !this.refusalOf(subscription.default_payment_method, subscription.customer);
    subscription.status = paid ? 'active' : 'past_due';
    const invoice = this.invoice(subscription, 'subscription_cycle', paid);
    const [invoiceEvent, intentEvent] = this.invoiceEvents(invoice, subscription);
    return [invoiceEvent!, this.host.event('customer.subscription.updated', view(subscription)), intentEvent!];
  }

  /** Stripe ends a subscription on its own (after its last failed retry, say): the event it sends. */
  cancelNow(id: string) {
    const subscription = this.live(id);
    Object.assign(subscription, { status: 'canceled', ended_at: now() });
    return [this.host.event('customer.subscription.deleted', view(subscription))];
  }

  /**
   * An invoice's own event and its PaymentIntent's, as Stripe sends both for every subscription
   * invoice: the PaymentIntent carries none of the metadata our own charges have.
   */
  private invoiceEvents(invoice: ReturnType<FakeStripeBilling['invoice']>, subscription: Subscription): StripeEvent[] {
    const paid = invoice.status === 'paid';
    const intent = {
      id: `pi_${token()}`,
      object: 'payment_intent',
      amount: invoice.amount_due,
      currency: invoice.currency,
      customer: subscription.customer,
      payment_method: subscription.default_payment_method,
      status: paid ? 'succeeded' : 'requires_payment_method',
      metadata: {},
      last_payment_error: paid
        ? null
        : { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
      created: now(),
      livemode: false,
    };
    return [
      this.host.event(paid ? 'invoice.paid' : 'invoice.payment_failed', invoice),
      this.host.event(paid ? 'payment_intent.succeeded' : 'payment_intent.payment_failed', intent),
    ];
  }

  /** The period of a subscription cancelled at its end is over: Stripe deletes it. */
  endPeriod(id: string) {
    const subscription = this.live(id);
    if (!subscription.cancel_at_period_end) throw new Error(`${id} is not cancelled at period end`);
    Object.assign(subscription, { status: 'canceled', ended_at: now() });
    return [this.host.event('customer.subscription.deleted', view(subscription))];
  }

  /** Stripe forgets a detached card as the subscription's default. */
  detached(paymentMethod: string) {
    for (const subscription of this.subscriptions.values())
      if (subscription.default_payment_method === paymentMethod) subscription.default_payment_method = null;
  }

  private live(id: string): Subscription {
    const subscription = this.subscriptions.get(id);
    if (!subscription || subscription.status === 'canceled') throw new Error(`${id} is not a live subscription`);
    return subscription;
  }

  private refusalOf(method: string, customer: string): Record<string, unknown> | null {
    const charge = this.host.chargeable(method, customer);
    if ('answer' in charge) return { code: 'card_declined', message: 'Your card was declined.' };
    if (charge.outcome === 'succeeds') return null;
    if (charge.outcome === 'authenticates')
      return {
        code: 'authentication_required',
        decline_code: 'authentication_required',
        message: 'Your card was declined. This transaction requires authentication.',
      };
    return { code: 'card_declined', ...charge.outcome };
  }

  private invoice(subscription: Subscription, reason: string, paid: boolean) {
    const item = itemOf(subscription);
    const amount = subscription.price.unit_amount;
    const invoice = {
      id: `in_${token()}`,
      object: 'invoice',
      subscription: subscription.id,
      customer: subscription.customer,
      billing_reason: reason,
      status: paid ? 'paid' : 'open',
      currency: subscription.price.currency,
      amount_due: amount,
      amount_paid: paid ? amount : 0,
      attempt_count: 1,
      attempted: true,
      next_payment_attempt: paid ? null : now() + 3 * 24 * 3600,
      // A renewal invoice's own period is the one just ended; its line is the period it pays for.
      period_start:
        reason === 'subscription_create'
          ? item.current_period_start
          : item.current_period_start - (item.current_period_end - item.current_period_start),
      period_end: item.current_period_start,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: subscription.id, metadata: subscription.metadata },
      },
      lines: {
        object: 'list',
        data: [
          {
            id: `il_${token()}`,
            object: 'line_item',
            amount,
            currency: subscription.price.currency,
            period: { start: item.current_period_start, end: item.current_period_end },
          },
        ],
      },
      created: now(),
      livemode: false,
    };
    this.invoices.set(invoice.id, invoice);
    subscription.latest_invoice = invoice.id;
    return invoice;
  }
}

const itemOf = (subscription: Subscription) =>
  (subscription.items as { data: { current_period_start: number; current_period_end: number }[] }).data[0]!;

/** A subscription as Stripe shows it: without the price the fake keeps at hand. */
const view = ({ price: _price, ...subscription }: Subscription) => subscription;

/** The currencies Stripe takes, near enough: ISO 4217's. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));

/** A month or a year on, by the calendar, as Stripe bills. */
function advance(seconds: number, interval: 'month' | 'year'): number {
  const date = new Date(seconds * 1000);
  if (interval === 'month') date.setUTCMonth(date.getUTCMonth() + 1);
  else date.setUTCFullYear(date.getUTCFullYear() + 1);
  return Math.floor(date.getTime() / 1000);
}
