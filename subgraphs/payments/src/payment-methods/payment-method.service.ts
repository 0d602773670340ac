import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { lockKey, lockRow, rows, table } from '@peerlink/platform/db/sql';
import { AppError, badInput, notFound } from '@peerlink/platform/errors';
import {
  withDeadline,
  type OutsideCall,
  type OutsideCallSettings,
  type OutsideCalls,
} from '@peerlink/platform/outside-call';
import { requestFingerprint, requireSameRequest } from '@peerlink/platform/idempotency';
import { isUuid } from '@peerlink/platform/ids';
import { PaymentMethodSetup, PaymentMethodSetupStatus } from './payment-method-setup.entity.js';
import { PaymentMethod } from './payment-method.entity.js';
import { MAX_KEY_LENGTH } from '../charges/payment.service.js';
import type { CardDetails, ConfirmedSetup, PaymentProvider } from '../provider.js';
import type { PaymentsEvents } from '@peerlink/contracts/payments';

export interface AddPaymentMethodInput {
  paymentMethodId?: string | null;
  idempotencyKey: string;
}

/** A client's idempotency key, trimmed: 1 to MAX_KEY_LENGTH characters, or BAD_USER_INPUT. */
export function clientKey(raw: string): string {
  const key = raw.trim();
  if (!key || key.length > MAX_KEY_LENGTH)
    throw badInput(`An idempotency key is 1 to ${MAX_KEY_LENGTH} characters.`, 'idempotencyKey');
  return key;
}

/**
 * How a payment names its card to the provider: a saved card with its customer, anything else as given, or a refusal.
 */
export type ChargeWith = { paymentMethodId: string; customerId?: string } | { refused: string };

/** A setup as claimed: what the provider is asked, and the viewer's key it answers. */
interface SetupCall {
  userId: string;
  key: string;
  fingerprint: string;
  customerId: string;
  paymentMethodId?: string;
  idempotencyKey: string;
}

/** A finished setup's card to read from the provider. */
interface CardCall {
  setupId: string;
  providerPaymentMethodId: string;
}

/** A user's saved cards: one provider customer per user, cards saved through setups, charged only by their owner. */
export class PaymentMethodService {
  private readonly setups: OutsideCall<SetupCall>;
  private readonly detaches: OutsideCall<{ providerPaymentMethodId: string }>;
  private readonly cards: OutsideCall<CardCall>;
  private readonly deadlineMs: number;

  constructor(
    private readonly orm: Orm,
    private readonly provider: PaymentProvider,
    calls: OutsideCalls<PaymentsEvents>,
    settings: OutsideCallSettings,
  ) {
    this.deadlineMs = settings.deadlineMs;
    this.setups = calls.kind<SetupCall, ConfirmedSetup>('setup', {
      call: ({ customerId, paymentMethodId, idempotencyKey, userId }) =>
        this.provider.setupPaymentMethod({
          customerId,
          ...(paymentMethodId && { paymentMethodId }),
          idempotencyKey,
          metadata: { userId },
        }),
      record: (em, _publish, setup, result) => this.recordSetup(em, setup, result),
    });
    this.cards = calls.kind<CardCall, CardDetails>('card', {
      call: ({ providerPaymentMethodId }) => this.provider.cardOf(providerPaymentMethodId),
      record: (em, _publish, call, card) => this.recordCard(em, call, card),
    });
    // Detaching twice is harmless, so there is nothing to record but that it was done.
    this.detaches = calls.kind<{ providerPaymentMethodId: string }, void>('detach', {
      call: ({ providerPaymentMethodId }) => this.provider.detachPaymentMethod(providerPaymentMethodId),
      record: async () => ({ detached: true }),
    });
  }

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** The viewer's cards, newest first. */
  list(viewer: Viewer): Promise<PaymentMethod[]> {
    return this.em.find(PaymentMethod, { userId: viewer.userId, removedAt: null }, { orderBy: { id: 'desc' } });
  }

  /** One of a user's cards while it is saved, or null. */
  savedOf(userId: string, id: string): Promise<PaymentMethod | null> {
    return this.em.findOne(PaymentMethod, { id, userId, removedAt: null });
  }

  /** A card of the viewer's, or NOT_FOUND, as anyone else's is to them. */
  async owned(em: EntityManager, viewer: Viewer, id: string): Promise<PaymentMethod> {
    const method = isUuid(id) ? await em.findOne(PaymentMethod, { id, userId: viewer.userId, removedAt: null }) : null;
    if (!method) throw notFound('Payment method');
    return method;
  }

  /**
   * Saves a card through a setup. With a card (a token or test id) the provider confirms it at once;
   * without one the viewer's client collects it with the setup's client secret. The card is stored
   * only once the setup succeeded: now, or when the provider's webhook says so (3-D Secure, Stripe.js).
   * The setup is an outside call: claimed under the viewer's key, asked after commit, recorded after.
   */
  async add(viewer: Viewer, input: AddPaymentMethodInput): Promise<PaymentMethodSetup> {
    const key = clientKey(input.idempotencyKey);
    const card = input.paymentMethodId?.trim() || undefined;
    if (card !== undefined && !/^[A-Za-z0-9_]{1,255}$/.test(card))
      throw badInput('A payment method is a provider token such as "pm_card_visa".', 'paymentMethodId');
    const { userId } = viewer;
    const fingerprint = requestFingerprint({ paymentMethodId: card ?? null });
    const customerId = await this.ensureCustomer(userId);
    const callId = `${userId}:${key}`;
    const claimed = await this.em.transactional(async (em) => {
      // One setup at a time per user: a retried request waits, then finds the first one's answer or claim.
      await lockKey(em, `payment-methods:${userId}`);
      const earlier = await em.findOne(PaymentMethodSetup, { userId, idempotencyKey: key });
      if (earlier) {
        requireSameRequest(earlier.requestFingerprint, fingerprint);
        return null;
      }
      const underWay = await this.setups.find(em, callId);
      if (underWay) {
        requireSameRequest(underWay.request.fingerprint, fingerprint);
        return { fresh: false };
      }
      await this.setups.claim(em, callId, {
        userId,
        key,
        fingerprint,
        customerId,
        ...(card && { paymentMethodId: card }),
        idempotencyKey: `peerlink-setup-${userId}-${key}`,
      });
      return { fresh: true };
    });
    if (claimed) {
      const outcome = claimed.fresh ? await this.setups.run(callId) : await this.setups.settled(callId);
      if (outcome.state !== 'done')
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The payment provider has not answered yet. Ask again with the same idempotency key.',
        );
    }
    return this.em.fork().findOneOrFail(PaymentMethodSetup, { userId, idempotencyKey: key });
  }

  /**
   * The provider's answer to a setup: the setup recorded, and its card stored if it succeeded. The client secret goes
   * on the setup, not in the call's row.
   */
  private async recordSetup(em: EntityManager, setup: SetupCall, result: ConfirmedSetup) {
    await lockKey(em, `payment-methods:${setup.userId}`);
    const saved =
      result.status === 'SUCCEEDED' ? await this.store(em, setup.userId, result.paymentMethodId, result.card) : null;
    em.create(PaymentMethodSetup, {
      userId: setup.userId,
      idempotencyKey: setup.key,
      requestFingerprint: setup.fingerprint,
      providerSetupId: result.providerSetupId || null,
      status: PaymentMethodSetupStatus[result.status],
      clientSecret: result.clientSecret || null,
      actionUrl: result.status === 'REQUIRES_ACTION' ? result.actionUrl : null,
      failureReason: result.status === 'FAILED' ? result.failureReason : null,
      paymentMethodId: saved?.id ?? null,
    });
    await em.flush();
    return { status: result.status, providerSetupId: result.providerSetupId };
  }

  /**
   * Forgets the card now (it can never be charged: charges refuse removed cards), and detaches it at
   * the provider after commit, retried by the sweeper if the provider does not answer. The newest
   * card left becomes the default.
   */
  async remove(viewer: Viewer, id: string): Promise<string> {
    const removed = await this.em.transactional(async (em) => {
      await lockKey(em, `payment-methods:${viewer.userId}`);
      const method = await this.owned(em, viewer, id);
      const wasDefault = method.isDefault;
      Object.assign(method, { removedAt: new Date(), isDefault: false });
      await em.flush();
      if (wasDefault) {
        const next = await em.findOne(
          PaymentMethod,
          { userId: viewer.userId, removedAt: null },
          { orderBy: { id: 'desc' } },
        );
        if (next) next.isDefault = true;
      }
      await this.detaches.claim(em, method.id, { providerPaymentMethodId: method.providerPaymentMethodId });
      return method.id;
    });
    await this.detaches.run(removed);
    return removed;
  }

  async setDefault(viewer: Viewer, id: string): Promise<PaymentMethod> {
    return this.em.transactional(async (em) => {
      await lockKey(em, `payment-methods:${viewer.userId}`);
      const method = await this.owned(em, viewer, id);
      await em.nativeUpdate(PaymentMethod, { userId: viewer.userId, isDefault: true }, { isDefault: false });
      await em.nativeUpdate(PaymentMethod, { id: method.id }, { isDefault: true });
      return em.findOneOrFail(PaymentMethod, { id: method.id }, { refresh: true });
    });
  }

  /**
   * The provider's later word on a setup (3-D Secure or Stripe.js finished), from its webhook. A
   * setup that already succeeded stays so. An unknown setup throws, so the provider delivers it again
   * once the request that made it has committed.
   */
  async finishSetup(
    em: EntityManager,
    providerSetupId: string,
    outcome: { status: 'SUCCEEDED'; paymentMethodId: string } | { status: 'FAILED'; reason: string },
    afterCommit: (work: () => Promise<unknown>) => void,
  ) {
    const found = await em.findOne(PaymentMethodSetup, { providerSetupId });
    if (!found) throw new Error(`No setup ${providerSetupId} yet`);
    await lockRow(em, 'payment_method_setups', found.id);
    const setup = await em.findOneOrFail(PaymentMethodSetup, { id: found.id }, { refresh: true });
    if (setup.status === PaymentMethodSetupStatus.SUCCEEDED) return;
    if (outcome.status === 'SUCCEEDED') {
      // The card's details come from the provider after commit; the setup succeeds when they are stored.
      if (await this.cards.claim(em, setup.id, { setupId: setup.id, providerPaymentMethodId: outcome.paymentMethodId }))
        afterCommit(() => this.cards.run(setup.id));
      return;
    }
    Object.assign(setup, {
      status: PaymentMethodSetupStatus.FAILED,
      actionUrl: null,
      failureReason: outcome.reason,
      updatedAt: new Date(),
    });
    await em.flush();
  }

  /** A finished setup's card, read from the provider: stored, and the setup SUCCEEDED. */
  private async recordCard(em: EntityManager, { setupId, providerPaymentMethodId }: CardCall, card: CardDetails) {
    await lockRow(em, 'payment_method_setups', setupId);
    const setup = await em.findOneOrFail(PaymentMethodSetup, { id: setupId }, { refresh: true });
    if (setup.status === PaymentMethodSetupStatus.SUCCEEDED) return { paymentMethodId: setup.paymentMethodId };
    // As in `add`: the user's cards change one at a time (the first one stored is the default).
    await lockKey(em, `payment-methods:${setup.userId}`);
    const method = await this.store(em, setup.userId, providerPaymentMethodId, card);
    Object.assign(setup, {
      status: PaymentMethodSetupStatus.SUCCEEDED,
      paymentMethodId: method.id,
      actionUrl: null,
      failureReason: null,
      updatedAt: new Date(),
    });
    await em.flush();
    return { paymentMethodId: method.id };
  }

  /**
   * What a payment by `buyerId`, asked for at `placedAt`, charges. A saved card (by our id or the
   * provider's) is charged with the buyer's customer, and only if it is the buyer's and was still
   * saved when the order was placed: never anyone else's card. A card removed after that goes to
   * the provider all the same, so a retried charge gets the provider's first answer under its key
   * (it may already have taken the money) rather than a refusal of our own; a charge the provider
   * never saw is refused there, the card being detached. Anything else (a provider test id, a
   * token) goes to the provider as it is.
   */
  async chargeWith(em: EntityManager, buyerId: string, paymentMethodId: string, placedAt: Date): Promise<ChargeWith> {
    const method = await em.findOne(
      PaymentMethod,
      isUuid(paymentMethodId) ? { id: paymentMethodId } : { providerPaymentMethodId: paymentMethodId },
    );
    if (!method) return { paymentMethodId };
    if (method.userId !== buyerId)
      return { refused: 'You have no saved payment method with this id: nothing was charged.' };
    if (method.removedAt && method.removedAt <= placedAt)
      return { refused: 'This payment method was removed: nothing was charged. Pay with another one.' };
    // The customer was made when the card was saved: read, never created here (no provider call in the charge's
    // transaction).
    const customerId = await this.knownCustomerOf(em, buyerId);
    if (!customerId) return { refused: 'This payment method cannot be charged: save it again.' };
    return { paymentMethodId: method.providerPaymentMethodId, customerId };
  }

  private async knownCustomerOf(em: EntityManager, userId: string): Promise<string | null> {
    const [found] = await rows<{ provider_customer_id: string }>(
      em,
      `select provider_customer_id from ${table(em, 'payment_customers')} where user_id = ? and provider = ?`,
      [userId, this.provider.name],
    );
    return found?.provider_customer_id ?? null;
  }

  /** The user's customer at the provider, as stored (made by `ensureCustomer` before any setup). */
  async customerOf(em: EntityManager, userId: string): Promise<string> {
    const customerId = await this.knownCustomerOf(em, userId);
    if (!customerId) throw new Error(`User ${userId} has no customer at ${this.provider.name}`);
    return customerId;
  }

  /**
   * The user's customer at the provider, made on first need with no transaction open: the
   * provider's key (from the user id) gives concurrent or retried first needs the same customer,
   * and the row is stored once.
   */
  private async ensureCustomer(userId: string): Promise<string> {
    const em = this.em.fork();
    const known = await this.knownCustomerOf(em, userId);
    if (known) return known;
    const { customerId } = await withDeadline(this.deadlineMs, () => this.provider.createCustomer(userId));
    await rows(
      em,
      `insert into ${table(em, 'payment_customers')} (user_id, provider, provider_customer_id, created_at) ` +
        `values (?, ?, ?, now()) on conflict do nothing`,
      [userId, this.provider.name, customerId],
    );
    return this.customerOf(em, userId);
  }

  /** Stores a saved card once, however many times its success is reported; a user's first card is their default. */
  private async store(
    em: EntityManager,
    userId: string,
    providerPaymentMethodId: string,
    card: CardDetails,
  ): Promise<PaymentMethod> {
    const existing = await em.findOne(PaymentMethod, { providerPaymentMethodId });
    if (existing) return existing;
    const hasDefault = (await em.count(PaymentMethod, { userId, isDefault: true })) > 0;
    const method = em.create(PaymentMethod, {
      userId,
      provider: this.provider.name,
      providerPaymentMethodId,
      ...card,
      isDefault: !hasDefault,
    });
    // Now, before anything that refers to it is written.
    await em.flush();
    return method;
  }
}
