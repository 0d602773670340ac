import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectRoutes, FakeConnect } from './fake-stripe-connect.js';

/** A request as the fake received it. Stripe's form fields stay flat: `metadata[orderId]`, `allowed_payment_method_types[0]`. */
export interface ReceivedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: Record<string, string>;
  status: number;
  /** Answered with the saved answer to an earlier request under the same idempotency key: nothing was done again. */
  replayed: boolean;
}

export type Answer = { status: number; body: object };
export type StripeEvent = { id: string; object: 'event'; api_version: string; created: number; livemode: false; type: string; data: { object: Record<string, unknown> }; account?: string };
type Intent = Record<string, unknown> & { id: string; amount: number; currency: string; status: string; latest_charge: string | null };
type Outcome = 'succeeds' | 'authenticates' | { decline_code: string; message: string };

/** Stripe's test payment methods that the fake knows; Stripe answers any other id with "No such PaymentMethod". */
const TEST_PAYMENT_METHODS = new Map<string, Outcome>([
  ['pm_card_visa', 'succeeds'],
  ['pm_card_mastercard', 'succeeds'],
  ['pm_card_amex', 'succeeds'],
  ['pm_card_chargeDeclined', { decline_code: 'generic_decline', message: 'Your card was declined.' }],
  ['pm_card_chargeDeclinedInsufficientFunds', { decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' }],
  ['pm_card_threeDSecure2Required', 'authenticates'],
]);

/** One endpoint the fake plays. `params` lists the form fields it takes: Stripe refuses any other, as it does `payment_method_types` since 2026-09-30. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Matched against the whole path; its groups (ids in the path) are passed to `handle`. */
  path: RegExp;
  params: RegExp;
  handle(params: Record<string, string>, ids: string[]): Answer;
}

/**
 * Stripe's API in test mode, over HTTP, for what PeerLink calls: creating (and confirming) PaymentIntents
 * and refunding them. It checks the secret key, keeps Stripe's idempotency promise and answers in
 * Stripe's JSON, so the real SDK can be pointed at it (`apiBase: fake.url`).
 */
export class FakeStripe {
  /** Every request, in order of arrival. */
  readonly received: ReceivedRequest[] = [];
  /** The PaymentIntents made, by id, as they stand now. */
  readonly paymentIntents = new Map<string, Intent>();
  private readonly refunded = new Map<string, number>();
  private readonly answered = new Map<string, { request: string; answer: Answer }>();
  /** Connect: connected accounts, and transfers to them from charges here. */
  readonly connect = new FakeConnect(() => this.url, (chargeId) => [...this.paymentIntents.values()].find((i) => i.latest_charge === chargeId && i.status === 'succeeded') ?? null);
  private server: Server | null = null;
  private origin: string | null = null;

  /** What PeerLink calls. An endpoint for a new feature is one more entry here. */
  private readonly routes: Route[] = [
    {
      method: 'POST',
      path: /^\/v1\/payment_intents$/,
      params: /^(amount|currency|payment_method|confirm|return_url|metadata\[.+\]|allowed_payment_method_types\[\d+\]|automatic_payment_methods\[(enabled|allow_redirects)\])$/,
      handle: (params) => this.createPaymentIntent(params),
    },
    { method: 'POST', path: /^\/v1\/refunds$/, params: /^(payment_intent|amount|metadata\[.+\])$/, handle: (params) => this.refund(params) },
    { method: 'GET', path: /^\/v1\/payment_intents\/([^/]+)$/, params: /^(client_secret|expand\[\d+\])$/, handle: (_, [id]) => this.paymentIntent(id!) },
    ...connectRoutes(this.connect),
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
      void this.receive(req)
        .catch((cause: unknown) => ({ answer: error(500, { type: 'api_error', message: String(cause) }), replayed: false }))
        .then(({ answer, replayed }) => {
          res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': `req_${token()}`, ...(replayed && { 'idempotent-replayed': 'true' }) });
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
   * The buyer finishes (or fails) 3-D Secure on Stripe's page: the intent moves on, and the event
   * Stripe would send to the webhook comes back, for the test to deliver (and redeliver) as Stripe does.
   */
  authenticate(intentId: string, succeed: boolean): StripeEvent {
    const intent = this.paymentIntents.get(intentId);
    if (!intent || intent.status !== 'requires_action') throw new Error(`${intentId} is not waiting for authentication`);
    if (succeed) Object.assign(intent, { status: 'succeeded', amount_received: intent.amount, latest_charge: `ch_${token()}`, next_action: null });
    else Object.assign(intent, { status: 'requires_payment_method', next_action: null, last_payment_error: { type: 'card_error', code: 'payment_intent_authentication_failure', message: 'The provided PaymentMethod has failed authentication.' } });
    return this.event(succeed ? 'payment_intent.succeeded' : 'payment_intent.payment_failed', intent);
  }

  /** An event as Stripe sends it to a webhook endpoint, about `object` as it is now; Connect events name the connected `account`. */
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

  /** The seller finishes onboarding on Stripe's pages: the account can take transfers, and the Connect event comes back to deliver. */
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
    const params = Object.fromEntries(method === 'GET' ? url.searchParams : new URLSearchParams(Buffer.concat(chunks).toString()));
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const { answer, replayed } = this.answer(method, path, params, idempotencyKey, req.headers.authorization);
    this.received.push({ method, path, idempotencyKey, params, status: answer.status, replayed });
    return { answer, replayed };
  }

  private answer(method: string, path: string, params: Record<string, string>, key: string | null, authorization?: string): { answer: Answer; replayed: boolean } {
    const fresh = (answer: Answer) => ({ answer, replayed: false });
    if (authorization !== `Bearer ${this.secretKey}`) {
      return fresh(error(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${authorization?.replace(/^Bearer /, '').slice(0, 8) ?? ''}****` }));
    }
    let ids: string[] = [];
    const route = this.routes.find((r) => {
      const match = r.method === method && r.path.exec(path);
      if (match) ids = match.slice(1);
      return match;
    });
    if (!route) return fresh(error(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` }));
    const unknown = Object.keys(params).find((name) => !route.params.test(name));
    if (unknown) return fresh(invalid(`Received unknown parameter: ${unknown}`, unknown.replace(/\[.*$/, ''), 'parameter_unknown'));

    const run = () => route.handle(params, ids);
    // Only requests that change something are idempotent at Stripe.
    if (!key || method !== 'POST') return fresh(run());
    // Stripe compares parameters, not bytes, and saves declines and refusals too.
    const request = JSON.stringify([path, Object.entries(params).sort(([a], [b]) => a.localeCompare(b))]);
    const earlier = this.answered.get(key);
    if (earlier && earlier.request !== request) {
      return fresh(error(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      }));
    }
    if (earlier) return { answer: earlier.answer, replayed: true };
    const answer = run();
    this.answered.set(key, { request, answer });
    return fresh(answer);
  }

  private createPaymentIntent(params: Record<string, string>): Answer {
    const amount = Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1) return invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
    if (!params.currency) return invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    const paymentMethod = params.payment_method ?? '';
    const outcome = TEST_PAYMENT_METHODS.get(paymentMethod);
    if (!outcome) return invalid(`No such PaymentMethod: '${paymentMethod}'`, 'payment_method', 'resource_missing');
    const cardsOnly = params['allowed_payment_method_types[0]'] === 'card' && !params['allowed_payment_method_types[1]'];
    const confirm = params.confirm === 'true';
    if (confirm && !params.return_url && !cardsOnly && params['automatic_payment_methods[allow_redirects]'] !== 'never') {
      return invalid(
        'A return_url must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set automatic_payment_methods[enabled] to true and automatic_payment_methods[allow_redirects] to never when creating Setup Intents and Payment Intents.',
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
      // With a return_url Stripe offers its own page to send the buyer to; without one, data for Stripe.js.
      const nextAction = params.return_url
        ? { type: 'redirect_to_url', redirect_to_url: { url: `${this.url}/3d_secure_2/hosted?payment_intent=${id}`, return_url: params.return_url } }
        : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'stripe_3ds2_fingerprint', three_d_secure_2_source: `payatt_${token()}`, directory_server_name: 'visa' } };
      Object.assign(intent, { status: 'requires_action', next_action: nextAction });
    } else {
      const charge = `ch_${token()}`;
      const decline = { type: 'card_error', code: 'card_declined', ...outcome, charge, doc_url: 'https://docs.stripe.com/error-codes/card-declined' };
      Object.assign(intent, { status: 'requires_payment_method', latest_charge: charge, last_payment_error: { ...decline, payment_method: { id: paymentMethod, object: 'payment_method', type: 'card' } } });
      return error(402, { ...decline, payment_intent: intent });
    }
    return { status: 200, body: intent };
  }

  private paymentIntent(id: string): Answer {
    const intent = this.paymentIntents.get(id);
    return intent ? { status: 200, body: intent } : invalid(`No such payment_intent: '${id}'`, 'intent', 'resource_missing', 404);
  }

  private refund(params: Record<string, string>): Answer {
    const intent = this.paymentIntents.get(params.payment_intent ?? '');
    if (!intent) return invalid(`No such payment_intent: '${params.payment_intent ?? ''}'`, 'payment_intent', 'resource_missing');
    if (intent.status !== 'succeeded') return invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, 'payment_intent');
    const refunded = this.refunded.get(intent.id) ?? 0;
    const left = intent.amount - refunded;
    if (left === 0) return invalid(`Charge ${intent.latest_charge} has already been refunded.`, undefined, 'charge_already_refunded');
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1) return invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
    if (amount > left) {
      const money = (minor: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: intent.currency }).format(minor / 100);
      return invalid(`Refund amount (${money(amount)}) is greater than unrefunded amount on charge (${money(left)})`, 'amount');
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

export const token = () => randomBytes(12).toString('hex');

export const error = (status: number, body: Record<string, unknown>): Answer => ({ status, body: { error: body } });

export const invalid = (message: string, param?: string, code?: string, status = 400): Answer => error(status, { type: 'invalid_request_error', message, ...(param && { param }), ...(code && { code }) });

export function metadataOf(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([name]) => name.startsWith('metadata['))
      .map(([name, value]) => [name.slice('metadata['.length, -1), value]),
  );
}
