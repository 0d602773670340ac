import { randomBytes } from 'node:crypto';
import {
  PlanTermsRefused,
  RefundRefused,
  type BillingEvent,
  type CardDetails,
  type ConfirmedPayment,
  type ConfirmedSetup,
  type PaymentOutcome,
  type PaymentProvider,
  type PaymentRequest,
  type PlanTerms,
  type RefundRequest,
  type SetupRequest,
  type StartedSubscription,
  type SubscriptionRequest,
} from '../provider.js';
import { SandboxBilling } from './sandbox-billing.js';
import { answerOnce, MemoryLedger, type Answers, type DurableMap, type SandboxLedger } from './sandbox-ledger.js';

const succeeds: PaymentOutcome = { status: 'SUCCEEDED' };
const declined: PaymentOutcome = { status: 'FAILED', failureReason: 'Your card was declined.' };

/** Stripe's documented test payment methods, and the card numbers behind them. */
const TEST_CARDS = new Map<string, PaymentOutcome | 'authenticate'>([
  ['pm_card_visa', succeeds],
  ['4242424242424242', succeeds],
  ['pm_card_chargeDeclined', declined],
  ['4000000000000002', declined],
  ['pm_card_threeDSecure2Required', 'authenticate'],
  ['4000000000003220', 'authenticate'],
  // Saving it succeeds; every charge is declined (Stripe's 4000000000000341).
  ['pm_card_chargeCustomerFail', declined],
  ['4000000000000341', declined],
]);

/** What Stripe shows of its test cards once saved. */
const CARD_BRANDS: [prefix: string, brand: string, last4: string][] = [
  ['pm_card_visa', 'visa', '4242'],
  ['pm_card_mastercard', 'mastercard', '4444'],
  ['pm_card_amex', 'amex', '8431'],
  ['pm_card_chargeDeclined', 'visa', '0002'],
  ['pm_card_threeDSecure2Required', 'visa', '3220'],
  ['pm_card_chargeCustomerFail', 'visa', '0341'],
];

/** A card saved for a customer: charged as the test card it was made from. */
interface SavedCard {
  customerId: string;
  testId: string;
  card: CardDetails;
  detached: boolean;
}

/** What the payer's answer on the sandbox's 3-D Secure page did. */
export type SandboxAuthentication =
  | { kind: 'payment'; providerPaymentId: string; succeeded: boolean }
  | { kind: 'setup'; providerSetupId: string; succeeded: true; paymentMethodId: string }
  | { kind: 'setup'; providerSetupId: string; succeeded: false };

/**
 * A card processor in the process that answers as Stripe's test mode does for its test payment methods:
 * other `pm_card_*` ids succeed (those named `...Declined...` are declined), anything else does not
 * exist. Cards are saved for customers as at Stripe (a new `pm_` id per saved card), and plans renew
 * on the sandbox's own billing clock (`renewDue`). A payment or a setup that needs 3-D Secure waits
 * until the payer answers on the sandbox's page at `actionUrl` (`authenticate`). What it records is
 * kept in its ledger (the payments database in embedded mode), written just after each answer, in
 * order: waiting for the write would deadlock in embedded mode, where PGlite's one connection is
 * held by the payments transaction that asked.
 */
export class SandboxPayments implements PaymentProvider {
  readonly name = 'sandbox';
  private readonly ledger: SandboxLedger;
  private readonly answered: Answers<ConfirmedPayment>;
  /** What each succeeded payment took and has given back, by provider payment id. */
  private readonly charges: DurableMap<{ amount: number; refunded: number }>;
  private readonly refunds: Answers<{ providerRefundId: string }>;
  private readonly setups: Answers<ConfirmedSetup>;
  private readonly saved: DurableMap<SavedCard>;
  /** Payments and setups waiting for the payer's 3-D Secure answer, by provider id. */
  private readonly awaiting: DurableMap<{ amount: number } | { customerId: string; testId: string; card: CardDetails }>;
  private readonly authenticated: DurableMap<SandboxAuthentication>;
  private readonly billing: SandboxBilling;

  /** `ledger`: where the sandbox keeps its side of things; in memory unless given. */
  constructor(
    private readonly actionBaseUrl = 'https://sandbox.payments.peerlink.local/authenticate',
    options: { billingPeriodSeconds?: number; ledger?: SandboxLedger } = {},
  ) {
    const ledger = options.ledger ?? new MemoryLedger();
    this.ledger = ledger;
    this.answered = ledger.map('payments');
    this.charges = ledger.map('charges');
    this.refunds = ledger.map('refunds');
    this.setups = ledger.map('setups');
    this.saved = ledger.map('saved-cards');
    this.awaiting = ledger.map('awaiting-3ds');
    this.authenticated = ledger.map('authenticated-3ds');
    this.billing = new SandboxBilling((request) => this.chargeSaved(request), options.billingPeriodSeconds, ledger);
  }

  /** Resolves once everything the sandbox has done so far is kept. */
  settled(): Promise<void> {
    return this.ledger.settled();
  }

  async confirmPayment({ idempotencyKey, ...request }: PaymentRequest): Promise<ConfirmedPayment> {
    return answerOnce(this.answered, idempotencyKey, request, () => {
      const providerPaymentId = `pi_sandbox_${token()}`;
      // As at Stripe, whose smallest charge in dollars and euros is 50 cents.
      if (['usd', 'eur'].includes(request.currency) && request.amount < 50) {
        return {
          status: 'FAILED',
          failureReason: `Amount must be at least $0.50 ${request.currency}`,
          providerPaymentId,
          clientSecret: `${providerPaymentId}_secret_${token()}`,
        };
      }
      const known = this.outcomeFor(request.paymentMethodId, request.customerId);
      const outcome: PaymentOutcome =
        known === 'authenticate'
          ? { status: 'REQUIRES_ACTION', actionUrl: `${this.actionBaseUrl}/${providerPaymentId}` }
          : known;
      if (outcome.status === 'SUCCEEDED') this.charges.set(providerPaymentId, { amount: request.amount, refunded: 0 });
      if (outcome.status === 'REQUIRES_ACTION') this.awaiting.set(providerPaymentId, { amount: request.amount });
      return { ...outcome, providerPaymentId, clientSecret: `${providerPaymentId}_secret_${token()}` };
    });
  }

  async refund({ idempotencyKey, ...request }: RefundRequest): Promise<{ providerRefundId: string }> {
    return answerOnce(this.refunds, idempotencyKey, request, () => {
      const charge = this.charges.get(request.providerPaymentId);
      if (!charge) throw new RefundRefused('This payment did not succeed, so there is nothing to refund.');
      if (
        !Number.isSafeInteger(request.amount) ||
        request.amount < 1 ||
        request.amount > charge.amount - charge.refunded
      ) {
        throw new RefundRefused(`At most ${charge.amount - charge.refunded} (minor units) is left to refund.`);
      }
      charge.refunded += request.amount;
      this.charges.touch(request.providerPaymentId);
      return { providerRefundId: `re_sandbox_${token()}` };
    });
  }

  /** Any user's customer id is derived from the user, so it survives the sandbox's restarts. */
  async createCustomer(userId: string): Promise<{ customerId: string }> {
    return { customerId: `cus_sandbox_${userId.replace(/-/g, '').toLowerCase()}` };
  }

  async setupPaymentMethod({ idempotencyKey, ...request }: SetupRequest): Promise<ConfirmedSetup> {
    return answerOnce(this.setups, idempotencyKey, request, () => {
      const providerSetupId = `seti_sandbox_${token()}`;
      const secret = { providerSetupId, clientSecret: `${providerSetupId}_secret_${token()}` };
      const testId = request.paymentMethodId;
      if (!testId) return { status: 'REQUIRES_PAYMENT_METHOD', ...secret };
      const card = cardOf(testId);
      if (!card) return { status: 'FAILED', failureReason: `No such PaymentMethod: '${testId}'`, ...secret };
      const behaviour = outcomeOf(testId);
      if (behaviour === 'authenticate') {
        this.awaiting.set(providerSetupId, { customerId: request.customerId, testId, card });
        return { status: 'REQUIRES_ACTION', actionUrl: `${this.actionBaseUrl}/${providerSetupId}`, ...secret };
      }
      // Saving verifies the card: one that is always declined cannot be saved; chargeCustomerFail can.
      if (behaviour.status === 'FAILED' && testId !== 'pm_card_chargeCustomerFail') return { ...behaviour, ...secret };
      const paymentMethodId = `pm_sandbox_${token()}`;
      this.saved.set(paymentMethodId, { customerId: request.customerId, testId, card, detached: false });
      return { status: 'SUCCEEDED', paymentMethodId, card, ...secret };
    });
  }

  async cardOf(paymentMethodId: string): Promise<CardDetails> {
    const saved = this.saved.get(paymentMethodId);
    if (!saved) throw new Error(`No such PaymentMethod: '${paymentMethodId}'`);
    return saved.card;
  }

  async detachPaymentMethod(paymentMethodId: string): Promise<void> {
    const saved = this.saved.get(paymentMethodId);
    if (!saved) return;
    saved.detached = true;
    this.saved.touch(paymentMethodId);
  }

  async createPlanPrice(plan: PlanTerms): Promise<{ providerPriceId: string }> {
    // Stripe refuses currencies it does not know; ISO 4217's list stands in for its own.
    if (!CURRENCIES.has(plan.currency.toUpperCase()))
      throw new PlanTermsRefused(`Invalid currency: ${plan.currency}.`, 'currency');
    return { providerPriceId: `price_sandbox_${plan.planId.replace(/-/g, '')}` };
  }

  createSubscription(request: SubscriptionRequest): Promise<StartedSubscription> {
    return this.billing.create(request);
  }

  cancelAtPeriodEnd(providerSubscriptionId: string): Promise<void> {
    return this.billing.cancelAtPeriodEnd(providerSubscriptionId);
  }

  /**
   * The payer's answer on the sandbox's 3-D Secure page, as Stripe's page would take it: the payment
   * is taken, or the card saved, or neither. What happened comes back for payments to record, as
   * Stripe's webhook would tell it. The first answer is final: asking again returns it, so recording
   * it can be retried. Null when nothing by that id ever waited.
   */
  authenticate(providerId: string, succeed: boolean): SandboxAuthentication | null {
    const earlier = this.authenticated.get(providerId);
    if (earlier) return earlier;
    const waiting = this.awaiting.get(providerId);
    if (!waiting) return null;
    this.awaiting.delete(providerId);
    let result: SandboxAuthentication;
    if ('amount' in waiting) {
      if (succeed) this.charges.set(providerId, { amount: waiting.amount, refunded: 0 });
      result = { kind: 'payment', providerPaymentId: providerId, succeeded: succeed };
    } else if (succeed) {
      const paymentMethodId = `pm_sandbox_${token()}`;
      this.saved.set(paymentMethodId, {
        customerId: waiting.customerId,
        testId: waiting.testId,
        card: waiting.card,
        detached: false,
      });
      result = { kind: 'setup', providerSetupId: providerId, succeeded: true, paymentMethodId };
    } else {
      result = { kind: 'setup', providerSetupId: providerId, succeeded: false };
    }
    this.authenticated.set(providerId, result);
    return result;
  }

  /** Whether `providerId` waits for the payer's 3-D Secure answer. */
  isAwaiting(providerId: string): boolean {
    return this.awaiting.has(providerId);
  }

  /** The sandbox's billing clock: renews (or ends) what is due, and reports it as Stripe's webhooks would. */
  renewDue(now = new Date()): (BillingEvent & { id: string })[] {
    return this.billing.renewDue(now);
  }

  /** How often the billing clock should call `renewDue`. */
  get billingTickMs(): number {
    return this.billing.tickMs;
  }

  /** A charge with a saved card, off-session, as a renewal makes it. */
  private chargeSaved({
    paymentMethodId,
    customerId,
  }: {
    paymentMethodId: string;
    customerId: string;
  }): PaymentOutcome {
    const outcome = this.outcomeFor(paymentMethodId, customerId);
    return outcome === 'authenticate'
      ? {
          status: 'FAILED',
          failureReason: 'Your bank asked to authenticate this payment, which cannot happen without you.',
        }
      : outcome;
  }

  private outcomeFor(paymentMethodId: string, customerId: string | undefined): PaymentOutcome | 'authenticate' {
    const saved = this.saved.get(paymentMethodId);
    if (!saved) return outcomeOf(paymentMethodId);
    if (saved.detached)
      return { status: 'FAILED', failureReason: 'This payment method was removed and cannot be charged again.' };
    if (saved.customerId !== customerId)
      return { status: 'FAILED', failureReason: 'This payment method belongs to another customer.' };
    return outcomeOf(saved.testId);
  }
}

/** Answers a repeated key with its first answer (or refusal), as Stripe does, and refuses it with other arguments. */
const token = () => randomBytes(12).toString('hex');

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

function outcomeOf(paymentMethodId: string): PaymentOutcome | 'authenticate' {
  const known = TEST_CARDS.get(paymentMethodId);
  if (known) return known;
  if (paymentMethodId.startsWith('pm_card_')) return paymentMethodId.includes('Declined') ? declined : succeeds;
  return { status: 'FAILED', failureReason: 'No such payment method' };
}

/** The card a test payment method stands for; December of next year, as Stripe's test cards expire in the future. */
function cardOf(testId: string): CardDetails | null {
  if (!testId.startsWith('pm_card_')) return null;
  const [, brand, last4] = CARD_BRANDS.find(([prefix]) => testId === prefix) ?? [testId, 'visa', '4242'];
  return { brand, last4, expMonth: 12, expYear: new Date().getUTCFullYear() + 1 };
}
