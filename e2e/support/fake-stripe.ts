import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectRoutes, FakeConnect } from './fake-stripe-connect.js';
import { FakeStripeBilling } from './fake-stripe-billing.js';
import {
  error,
  invalid,
  metadataOf,
  missing,
  now,
  paramNames,
  token,
  type Answer,
  type Outcome,
} from './fake-stripe-wire.js';

/**
 * A request as the fake received it. Stripe's form fields stay flat: `metadata[orderId]`,
 * `allowed_payment_method_types[0]`.
 */
export interface ReceivedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: Record<string, string>;
  status: number;
  /** Answered with the saved answer to an earlier request under the same idempotency key: nothing was done again. */
  replayed: boolean;
}

export type StripeEvent = {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  livemode: false;
  type: string;
  data: { object: Record<string, unknown> };
  account?: string;
};
type Intent = Record<string, unknown> & {
  id: string;
  amount: number;
  currency: string;
  status: string;
  latest_charge: string | null;
};

/** Stripe's test payment methods that the fake knows; Stripe answers any other id with "No such PaymentMethod". */
const TEST_PAYMENT_METHODS = new Map<string, Outcome>([
  ['pm_card_visa', 'succeeds'],
  ['pm_card_mastercard', 'succeeds'],
  ['pm_card_amex', 'succeeds'],
  ['pm_card_chargeDeclined', { decline_code: 'generic_decline', message: 'Your card was declined.' }],
  [
    'pm_card_chargeDeclinedInsufficientFunds',
    { decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  ],
  ['pm_card_threeDSecure2Required', 'authenticates'],
  // Saving it to a customer succeeds; charging it is declined (card 4000000000000341).
  ['pm_card_chargeCustomerFail', { decline_code: 'generic_decline', message: 'Your card was declined.' }],
]);

/** Test cards Stripe saves although it declines their charges. */
const SAVES_THEN_DECLINES = new Set(['pm_card_chargeCustomerFail']);

/** The card a test payment method stands for, as a saved PaymentMethod shows it. */
const TEST_CARDS: Record<string, { brand: string; last4: string }> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_amex: { brand: 'amex', last4: '8431' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002' },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995' },
  pm_card_threeDSecure2Required: { brand: 'visa', last4: '3220' },
  pm_card_chargeCustomerFail: { brand: 'visa', last4: '0341' },
};

/** A PaymentMethod made from a test id, as Stripe makes a new one each time a test id is saved. */
type SavedMethod = Record<string, unknown> & { id: string; customer: string | null; testId: string; detached: boolean };

/**
 * One endpoint the fake plays. `params` lists the form fields it takes: Stripe refuses any other, as it does
 * `payment_method_types` since 2026-09-30.
 */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Matched against the whole path; its groups (ids in the path) are passed to `handle`. */
  path: RegExp;
  params: RegExp;
  handle(params: Record<string, string>, ids: string[]): Answer;
}

/**
 * Stripe's API in test mode, over HTTP, for what PeerLink calls: creating (and confirming) PaymentIntents
 * and refunding them, Customers and the cards saved for them through SetupIntents, and Billing's
 * products, prices and subscriptions (fake-stripe-billing.ts). It checks the
 * secret key, keeps Stripe's idempotency promise and answers in Stripe's JSON, so the real SDK can be
 * pointed at it (`apiBase: fake.url`).
 */
export class FakeStripe {
  /** Every request, in order of arrival. */
  readonly received: ReceivedRequest[] = [];
  /** The PaymentIntents made, by id, as they stand now. */
  readonly paymentIntents = new Map<string, Intent>();
  private readonly refunded = new Map<string, number>();
  /** Customers, SetupIntents and the PaymentMethods saved through them, by id. */
  readonly customers = new Map<string, Record<string, unknown>>();
  readonly setupIntents = new Map<string, Record<string, unknown> & { id: string; status: string }>();
  readonly paymentMethods = new Map<string, SavedMethod>();
  /** Products, prices, subscriptions and invoices. */
  readonly billing = new FakeStripeBilling(this);
  private readonly answered = new Map<string, { request: string; answer: Answer }>();
  /** Connect: connected accounts, and transfers to them from charges here. */
  readonly connect = new FakeConnect(
    () => this.url,
    (chargeId) =>
      [...this.paymentIntents.values()].find((i) => i.latest_charge === chargeId && i.status === 'succeeded') ?? null,
  );
  private server: Server | null = null;
  private dropping: { path: string; count: number } | null = null;
  private holding: { path: string; released: Promise<void> } | null = null;
  private origin: string | null = null;

  /** What PeerLink calls. An endpoint for a new feature is one more entry here. */
  private readonly routes: Route[] = [
    {
      method: 'POST',
      path: /^\/v1\/payment_intents$/,
      params: paramNames(
        /amount|currency|payment_method|customer|confirm|return_url|metadata\[.+\]/,
        /allowed_payment_method_types\[\d+\]|automatic_payment_methods\[(enabled|allow_redirects)\]/,
      ),
      handle: (params) => this.createPaymentIntent(params),
    },
    {
      method: 'POST',
      path: /^\/v1\/refunds$/,
      params: /^(payment_intent|amount|metadata\[.+\])$/,
      handle: (params) => this.refund(params),
    },
    {
      method: 'GET',
      path: /^\/v1\/payment_intents\/([^/]+)$/,
      params: /^(client_secret|expand\[\d+\])$/,
      handle: (_, [id]) => this.paymentIntent(id!),
    },
    ...connectRoutes(this.connect),
    {
      method: 'POST',
      path: /^\/v1\/customers$/,
      params: /^(email|name|description|metadata\[.+\])$/,
      handle: (params) => this.createCustomer(params),
    },
    {
      method: 'POST',
      path: /^\/v1\/setup_intents$/,
      params: paramNames(
        /customer|payment_method|confirm|return_url|usage|metadata\[.+\]/,
        /allowed_payment_method_types\[\d+\]|automatic_payment_methods\[(enabled|allow_redirects)\]/,
      ),
      handle: (params) => this.createSetupIntent(params),
    },
    {
      method: 'GET',
      path: /^\/v1\/payment_methods\/([^/]+)$/,
      params: /^expand\[\d+\]$/,
      handle: (_params, [id]) => this.retrievePaymentMethod(id!),
    },
    {
      method: 'POST',
      path: /^\/v1\/payment_methods\/([^/]+)\/detach$/,
      params: /^expand\[\d+\]$/,
      handle: (_params, [id]) => this.detachPaymentMethod(id!),
    },
    {
      method: 'POST',
      path: /^\/v1\/products$/,
      params: /^(name|description|active|metadata\[.+\])$/,
      handle: (params) => this.billing.createProduct(params),
    },
    {
      method: 'POST',
      path: /^\/v1\/prices$/,
      params: /^(product|unit_amount|currency|active|nickname|recurring\[(interval|interval_count)\]|metadata\[.+\])$/,
      handle: (params) => this.billing.createPrice(params),
    },
    {
      method: 'POST',
      path: /^\/v1\/subscriptions$/,
      params: paramNames(
        /customer|items\[0\]\[(price|quantity)\]|default_payment_method|payment_behavior|off_session/,
        /metadata\[.+\]|expand\[\d+\]/,
      ),
      handle: (params) => this.billing.createSubscription(params),
    },
    {
      method: 'GET',
      path: /^\/v1\/subscriptions\/([^/]+)$/,
      params: /^expand\[\d+\]$/,
      handle: (_params, [id]) => this.billing.retrieveSubscription(id!),
    },
    {
      method: 'POST',
      path: /^\/v1\/subscriptions\/([^/]+)$/,
      params: /^(cancel_at_period_end|metadata\[.+\]|expand\[\d+\])$/,
      handle: (params, [id]) => this.billing.updateSubscription(id!, params),
    },
  ];

  constructor(readonly secretKey = 'sk_test_fake') {
    if (!secretKey.startsWith('sk_test_')) throw new Error('FakeStripe plays test mode: its key starts with sk_test_.');
  }

  get url(): string {
    if (!this.origin) throw new Error('FakeStripe has not been started.');
    return this.origin;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const held =
        this.holding && new URL(req.url ?? '/', 'http://x').pathname === this.holding.path
          ? this.holding.released
          : null;
      void this.receive(req)
        .catch((cause: unknown) => ({
          answer: error(500, { type: 'api_error', message: String(cause) }),
          replayed: false,
        }))
        .then(async (answered) => {
          await held;
          return answered;
        })
        .then(({ answer, replayed }) => {
          if (res.destroyed) return;
          if (this.dropAnswer(req)) return void res.destroy();
          res.writeHead(answer.status, {
            'content-type': 'application/json',
            'request-id': `req_${token()}`,
            ...(replayed && { 'idempotent-replayed': 'true' }),
          });
          res.end(JSON.stringify(answer.body));
        });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.origin;
  }

  /**
   * The next `count` requests to `path` are carried out (and their answers kept for their idempotency
   * keys) but the connection drops before the answer arrives, as when the network fails mid-call.
   */
  dropAnswers(path: string, count: number) {
    this.dropping = { path, count };
  }

  /**
   * Requests to `path` are carried out at once (the charge is made) but their answers are held until
   * `release()`, as when the provider is slow to answer: the caller cannot tell whether it was done.
   */
  holdAnswers(path: string): () => void {
    let release!: () => void;
    this.holding = { path, released: new Promise<void>((resolve) => (release = resolve)) };
    return () => {
      this.holding = null;
      release();
    };
  }

  private dropAnswer(req: IncomingMessage): boolean {
    if (!this.dropping?.count || new URL(req.url ?? '/', this.url).pathname !== this.dropping.path) return false;
    this.dropping.count -= 1;
    return true;
  }

  /**
   * The buyer finishes (or fails) 3-D Secure on Stripe's page: the intent moves on, and the event
   * Stripe would send to the webhook comes back, for the test to deliver (and redeliver) as Stripe does.
   */
  authenticate(intentId: string, succeed: boolean): StripeEvent {
    const intent = this.paymentIntents.get(intentId);
    if (intent?.status !== 'requires_action') throw new Error(`${intentId} is not waiting for authentication`);
    if (succeed)
      Object.assign(intent, {
        status: 'succeeded',
        amount_received: intent.amount,
        latest_charge: `ch_${token()}`,
        next_action: null,
      });
    else
      Object.assign(intent, {
        status: 'requires_payment_method',
        next_action: null,
        last_payment_error: {
          type: 'card_error',
          code: 'payment_intent_authentication_failure',
          message: 'The provided PaymentMethod has failed authentication.',
        },
      });
    return this.event(succeed ? 'payment_intent.succeeded' : 'payment_intent.payment_failed', intent);
  }

  /**
   * An event as Stripe sends it to a webhook endpoint, about `object` as it is now; Connect events name the connected
   * `account`.
   */
  event(type: string, object: Record<string, unknown>, account?: string): StripeEvent {
    return {
      id: `evt_${token()}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type,
      data: { object: structuredClone(object) },
      ...(account && { account }),
    };
  }

  /**
   * The seller finishes onboarding on Stripe's pages: the account can take transfers, and the Connect event comes back
   * to deliver.
   */
  completeOnboarding(accountId: string): StripeEvent {
    return this.event('account.updated', this.connect.completeOnboarding(accountId), accountId);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    // The SDK keeps connections alive; they would hold close() open.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  private async receive(req: IncomingMessage): Promise<{ answer: Answer; replayed: boolean }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    // The SDK sends a GET's parameters in the query string and a POST's in the form body.
    const params = Object.fromEntries(
      method === 'GET' ? url.searchParams : new URLSearchParams(Buffer.concat(chunks).toString()),
    );
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const { answer, replayed } = this.answer(method, path, params, idempotencyKey, req.headers.authorization);
    this.received.push({ method, path, idempotencyKey, params, status: answer.status, replayed });
    return { answer, replayed };
  }

  private answer(
    method: string,
    path: string,
    params: Record<string, string>,
    key: string | null,
    authorization?: string,
  ): { answer: Answer; replayed: boolean } {
    const fresh = (answer: Answer) => ({ answer, replayed: false });
    if (authorization !== `Bearer ${this.secretKey}`) {
      return fresh(
        error(401, {
          type: 'invalid_request_error',
          message: `Invalid API Key provided: ${authorization?.replace(/^Bearer /, '').slice(0, 8) ?? ''}****`,
        }),
      );
    }
    let ids: string[] = [];
    const route = this.routes.find((r) => {
      const match = r.method === method && r.path.exec(path);
      if (match) ids = match.slice(1);
      return match;
    });
    if (!route)
      return fresh(
        error(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` }),
      );
    const unknown = Object.keys(params).find((name) => !route.params.test(name));
    if (unknown)
      return fresh(
        invalid(`Received unknown parameter: ${unknown}`, unknown.replace(/\[.*$/, ''), 'parameter_unknown'),
      );

    const run = () => route.handle(params, ids);
    // Only requests that change something are idempotent at Stripe.
    if (!key || method !== 'POST') return fresh(run());
    // Stripe compares parameters, not bytes, and saves declines and refusals too.
    const request = JSON.stringify([path, Object.entries(params).sort(([a], [b]) => a.localeCompare(b))]);
    const earlier = this.answered.get(key);
    if (earlier && earlier.request !== request) {
      return fresh(
        error(400, {
          type: 'idempotency_error',
          message:
            `Keys for idempotent requests can only be used with the same parameters they were first used with. ` +
            `Try using a key other than '${key}' if you meant to execute a different request.`,
        }),
      );
    }
    if (earlier) return { answer: earlier.answer, replayed: true };
    const answer = run();
    this.answered.set(key, { request, answer });
    return fresh(answer);
  }

  private createPaymentIntent(params: Record<string, string>): Answer {
    const amount = Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1)
      return invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
    if (!params.currency) return invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    // Stripe's smallest charge in dollars and euros is 50 cents.
    if (['usd', 'eur'].includes(params.currency) && amount < 50)
      return invalid(`Amount must be at least $0.50 ${params.currency}`, 'amount', 'amount_too_small');
    const paymentMethod = params.payment_method ?? '';
    if (params.customer && !this.customers.has(params.customer))
      return invalid(`No such customer: '${params.customer}'`, 'customer', 'resource_missing');
    const usable = this.chargeable(paymentMethod, params.customer);
    if ('answer' in usable) return usable.answer;
    const outcome = usable.outcome;
    const cardsOnly =
      params['allowed_payment_method_types[0]'] === 'card' && !params['allowed_payment_method_types[1]'];
    const confirm = params.confirm === 'true';
    if (
      confirm &&
      !params.return_url &&
      !cardsOnly &&
      params['automatic_payment_methods[allow_redirects]'] !== 'never'
    ) {
      return invalid(
        'A return_url must be specified because this Payment Intent is configured to automatically accept ' +
          'the payment methods enabled in the Dashboard, some of which may require a full page redirect to ' +
          'succeed. If you do not want to accept redirect-based payment methods, set ' +
          'automatic_payment_methods[enabled] to true and automatic_payment_methods[allow_redirects] to never ' +
          'when creating Setup Intents and Payment Intents.',
      );
    }

    const id = `pi_${token()}`;
    const intent: Intent = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      currency: params.currency,
      status: 'requires_confirmation',
      client_secret: `${id}_secret_${token()}`,
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      metadata: metadataOf(params),
      payment_method: paymentMethod,
      customer: params.customer ?? null,
      allowed_payment_method_types: cardsOnly ? ['card'] : null,
      payment_method_types: ['card'],
      next_action: null,
      last_payment_error: null,
      latest_charge: null,
    };
    this.paymentIntents.set(id, intent);
    if (!confirm) return { status: 200, body: intent };

    if (outcome === 'succeeds') {
      Object.assign(intent, { status: 'succeeded', amount_received: amount, latest_charge: `ch_${token()}` });
    } else if (outcome === 'authenticates') {
      Object.assign(intent, {
        status: 'requires_action',
        next_action: this.authentication('payment_intent', id, params.return_url),
      });
    } else {
      const charge = `ch_${token()}`;
      const decline = {
        type: 'card_error',
        code: 'card_declined',
        ...outcome,
        charge,
        doc_url: 'https://docs.stripe.com/error-codes/card-declined',
      };
      Object.assign(intent, {
        status: 'requires_payment_method',
        latest_charge: charge,
        last_payment_error: {
          ...decline,
          payment_method: { id: paymentMethod, object: 'payment_method', type: 'card' },
        },
      });
      return error(402, { ...decline, payment_intent: intent });
    }
    return { status: 200, body: intent };
  }

  private paymentIntent(id: string): Answer {
    const intent = this.paymentIntents.get(id);
    return intent ? { status: 200, body: intent } : missing(`No such payment_intent: '${id}'`, 'intent');
  }

  /**
   * How charging a payment method goes: a test id as it says, a saved card as the test card it was made from, with its
   * own customer only.
   */
  chargeable(paymentMethod: string, customer: string | undefined): { outcome: Outcome } | { answer: Answer } {
    const saved = this.paymentMethods.get(paymentMethod);
    if (!saved) {
      const outcome = TEST_PAYMENT_METHODS.get(paymentMethod);
      return outcome
        ? { outcome }
        : { answer: invalid(`No such PaymentMethod: '${paymentMethod}'`, 'payment_method', 'resource_missing') };
    }
    if (saved.detached) {
      return {
        answer: invalid(
          'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, ' +
            'shared with a connected account without Customer attachment, or was detached from a Customer. It ' +
            'may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer ' +
            'first.',
          'payment_method',
        ),
      };
    }
    if (saved.customer !== customer) {
      return {
        answer: invalid(
          `The provided PaymentMethod belongs to a Customer (${saved.customer ?? 'none'}) other than the one ` +
            `given (${customer ?? 'none'}).`,
          'payment_method',
        ),
      };
    }
    return { outcome: TEST_PAYMENT_METHODS.get(saved.testId)! };
  }

  private createCustomer(params: Record<string, string>): Answer {
    const customer = {
      id: `cus_${token()}`,
      object: 'customer',
      email: params.email ?? null,
      name: params.name ?? null,
      metadata: metadataOf(params),
      created: now(),
      livemode: false,
    };
    this.customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }

  /**
   * A SetupIntent for a customer. Confirmed with a test id, Stripe makes a new PaymentMethod from it
   * and attaches it to the customer once the setup succeeds (after 3-D Secure, for cards that ask).
   */
  private createSetupIntent(params: Record<string, string>): Answer {
    const customer = params.customer;
    if (customer && !this.customers.has(customer))
      return invalid(`No such customer: '${customer}'`, 'customer', 'resource_missing');
    const testId = params.payment_method;
    const outcome = testId ? TEST_PAYMENT_METHODS.get(testId) : undefined;
    if (testId && !outcome) return invalid(`No such PaymentMethod: '${testId}'`, 'payment_method', 'resource_missing');
    if (params.confirm === 'true' && !testId)
      return invalid(
        "You cannot confirm this SetupIntent because it's missing a payment method.",
        'payment_method',
        'setup_intent_unexpected_state',
      );
    const id = `seti_${token()}`;
    const method = testId ? this.newPaymentMethod(testId) : null;
    const intent = {
      id,
      object: 'setup_intent',
      customer: customer ?? null,
      client_secret: `${id}_secret_${token()}`,
      usage: params.usage ?? 'off_session',
      status: method ? 'requires_confirmation' : 'requires_payment_method',
      payment_method: method?.id ?? null,
      allowed_payment_method_types: params['allowed_payment_method_types[0]'] ? ['card'] : null,
      payment_method_types: ['card'],
      metadata: metadataOf(params),
      next_action: null as unknown,
      last_setup_error: null as unknown,
      created: now(),
      livemode: false,
    };
    this.setupIntents.set(id, intent);
    if (params.confirm !== 'true' || !method || !outcome) return { status: 200, body: intent };
    if (outcome === 'succeeds' || SAVES_THEN_DECLINES.has(testId!)) {
      method.customer = customer ?? null;
      intent.status = 'succeeded';
    } else if (outcome === 'authenticates') {
      Object.assign(intent, {
        status: 'requires_action',
        next_action: this.authentication('setup_intent', id, params.return_url),
      });
    } else {
      const decline = {
        type: 'card_error',
        code: 'card_declined',
        ...outcome,
        doc_url: 'https://docs.stripe.com/error-codes/card-declined',
      };
      Object.assign(intent, {
        status: 'requires_payment_method',
        payment_method: null,
        last_setup_error: { ...decline, payment_method: { id: method.id, object: 'payment_method', type: 'card' } },
      });
      return error(402, { ...decline, setup_intent: intent });
    }
    return { status: 200, body: intent };
  }

  /** The card holder finishes (or fails) 3-D Secure for a setup; the event Stripe sends comes back. */
  authenticateSetup(setupIntentId: string, succeed: boolean): StripeEvent {
    const intent = this.setupIntents.get(setupIntentId);
    if (intent?.status !== 'requires_action') throw new Error(`${setupIntentId} is not waiting for authentication`);
    if (succeed) {
      this.paymentMethods.get(intent.payment_method as string)!.customer = intent.customer as string;
      Object.assign(intent, { status: 'succeeded', next_action: null });
    } else {
      const failure = {
        type: 'card_error',
        code: 'setup_intent_authentication_failure',
        message: 'The latest attempt to set up the payment method has failed because authentication failed.',
      };
      Object.assign(intent, {
        status: 'requires_payment_method',
        next_action: null,
        payment_method: null,
        last_setup_error: failure,
      });
    }
    return this.event(succeed ? 'setup_intent.succeeded' : 'setup_intent.setup_failed', intent);
  }

  /**
   * 3-D Secure as `next_action`: with a return_url Stripe offers its own page to send the buyer to; without one, data
   * for Stripe.js.
   */
  private authentication(intent: 'payment_intent' | 'setup_intent', id: string, returnUrl: string | undefined) {
    return returnUrl
      ? {
          type: 'redirect_to_url',
          redirect_to_url: { url: `${this.url}/3d_secure_2/hosted?${intent}=${id}`, return_url: returnUrl },
        }
      : {
          type: 'use_stripe_sdk',
          use_stripe_sdk: {
            type: 'stripe_3ds2_fingerprint',
            three_d_secure_2_source: `payatt_${token()}`,
            directory_server_name: 'visa',
          },
        };
  }

  private newPaymentMethod(testId: string): SavedMethod {
    const card = TEST_CARDS[testId] ?? { brand: 'visa', last4: '4242' };
    const method: SavedMethod = {
      id: `pm_${token()}`,
      object: 'payment_method',
      type: 'card',
      card: { ...card, exp_month: 12, exp_year: new Date().getUTCFullYear() + 1, funding: 'credit', country: 'US' },
      customer: null,
      created: now(),
      livemode: false,
      metadata: {},
      testId,
      detached: false,
    };
    this.paymentMethods.set(method.id, method);
    return method;
  }

  private retrievePaymentMethod(id: string): Answer {
    const method = this.paymentMethods.get(id);
    if (!method) return missing(`No such PaymentMethod: '${id}'`, 'id');
    return { status: 200, body: publicMethod(method) };
  }

  private detachPaymentMethod(id: string): Answer {
    const method = this.paymentMethods.get(id);
    if (!method) return missing(`No such PaymentMethod: '${id}'`, 'payment_method');
    if (!method.customer)
      return invalid('The payment method you provided is not attached to a customer so detachment is impossible.');
    Object.assign(method, { customer: null, detached: true });
    this.billing.detached(id);
    return { status: 200, body: publicMethod(method) };
  }

  private refund(params: Record<string, string>): Answer {
    const intent = this.paymentIntents.get(params.payment_intent ?? '');
    if (!intent)
      return invalid(`No such payment_intent: '${params.payment_intent ?? ''}'`, 'payment_intent', 'resource_missing');
    if (intent.status !== 'succeeded')
      return invalid(
        `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
        'payment_intent',
      );
    const refunded = this.refunded.get(intent.id) ?? 0;
    const left = intent.amount - refunded;
    if (left === 0)
      return invalid(`Charge ${intent.latest_charge} has already been refunded.`, undefined, 'charge_already_refunded');
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1)
      return invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
    if (amount > left) {
      const money = (minor: number) =>
        new Intl.NumberFormat('en-US', { style: 'currency', currency: intent.currency }).format(minor / 100);
      return invalid(
        `Refund amount (${money(amount)}) is greater than unrefunded amount on charge (${money(left)})`,
        'amount',
      );
    }
    this.refunded.set(intent.id, refunded + amount);
    const refund = {
      id: `re_${token()}`,
      object: 'refund',
      amount,
      currency: intent.currency,
      charge: intent.latest_charge,
      payment_intent: intent.id,
      metadata: metadataOf(params),
      reason: null,
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
    };
    return { status: 200, body: refund };
  }
}

/** A PaymentMethod as Stripe shows it: without what the fake keeps for itself. */
const publicMethod = ({ testId: _testId, detached: _detached, ...method }: SavedMethod) => method;
