import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { lockKey } from '@peerlink/platform/db/sql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, conflict, notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { checkCharge } from '../access.js';
import { Plan, PlanInterval } from './plan.entity.js';
import { PlanTermsRefused, type PaymentProvider, type PlanTerms } from '../provider.js';
import { line, prose, text } from '@peerlink/platform/text';
import type { OutsideCall, OutsideCalls } from '@peerlink/platform/outside-call';
import type { PaymentsEvents } from '@peerlink/contracts/payments';

const PLAN_NAME = line('A plan’s name', 80);
const PLAN_DESCRIPTION = prose('A description', 1000, 0);

export interface PlanInput {
  name: string;
  description?: string | null;
  amount: number;
  currency: string;
  interval: PlanInterval;
}

/** The provider's answer to a plan's price: its id, or terms it does not take (the admin's to change). */
type PriceAnswer = { providerPriceId: string } | { refused: string; field: 'amount' | 'currency' };

/** The platform's plans: admins make and archive them, anyone reads those on sale. */
export class PlanService {
  /** Each plan's price at the provider, made once after the plan is committed (outside-call.ts). */
  private readonly prices: OutsideCall<PlanTerms>;

  constructor(
    private readonly orm: Orm,
    private readonly provider: PaymentProvider,
    calls: OutsideCalls<PaymentsEvents>,
  ) {
    this.prices = calls.kind<PlanTerms, PriceAnswer>('plan-price', {
      call: (terms) =>
        this.provider.createPlanPrice(terms).catch((error: unknown) => {
          if (error instanceof PlanTermsRefused) return { refused: error.message, field: error.field };
          throw error;
        }),
      record: (em, _publish, terms, answer) => this.recordPrice(em, terms.planId, answer),
      // Never priced: archived, so its name is free again and no one can ever subscribe to it.
      abandon: async (em, _publish, terms) => {
        await em.nativeUpdate(Plan, { id: terms.planId }, { active: false });
      },
    });
  }

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** Plans on sale (not archived, priced at the provider), cheapest first. */
  onSale(): Promise<Plan[]> {
    return this.em.find(
      Plan,
      { active: true, providerPriceId: { $ne: '' } },
      { orderBy: { amount: 'asc', id: 'asc' } },
    );
  }

  /** Any plan, archived ones too (subscribers still see theirs), or NOT_FOUND. */
  async byId(id: string): Promise<Plan> {
    const plan = isUuid(id) ? await this.em.findOne(Plan, { id }) : null;
    if (!plan) throw notFound('Plan');
    return plan;
  }

  /**
   * A new plan, then its price at the provider (made once per plan: the provider's keys come from the
   * plan's id). The plan and the claim of its price commit first; the provider is asked after, with a
   * deadline. Terms the provider refuses remove the plan and answer BAD_USER_INPUT; a provider that does
   * not answer in time leaves the plan not yet `priced` (off sale) until the sweeper has its price.
   */
  async create(viewer: Viewer, input: PlanInput): Promise<Plan> {
    requireRole(viewer, 'ADMIN', 'Only admins make plans.');
    const name = text(input.name, 'name', PLAN_NAME);
    const description = text(input.description ?? '', 'description', PLAN_DESCRIPTION);
    const invalid = checkCharge(input.amount, input.currency);
    if (invalid) throw badInput(invalid, invalid.includes('amount') ? 'amount' : 'currency');
    const taken = () => conflict('A plan on sale already has this name.', 'name');
    const planId = await this.em
      .transactional(async (em) => {
        // Two admins making one name at once: the second waits, then sees the first's plan.
        await lockKey(em, `plan-name:${name.toLowerCase()}`);
        if (await em.count(Plan, { active: true, name: { $ilike: name.replace(/[\\%_]/g, '\\$&') } })) throw taken();
        const plan = em.create(Plan, {
          name,
          description,
          amount: input.amount,
          currency: input.currency,
          interval: input.interval,
          provider: this.provider.name,
          providerPriceId: '',
        });
        await this.prices.claim(em, plan.id, {
          planId: plan.id,
          name,
          amount: plan.amount,
          currency: plan.currency,
          interval: plan.interval,
        });
        return plan.id;
      })
      .catch((error: unknown) => {
        // The lock is per exact lowercasing; the index (lower(name)) has the last word.
        if (error instanceof UniqueConstraintViolationException) throw taken();
        throw error;
      });
    const outcome = await this.prices.run(planId);
    const answer = outcome.state === 'done' ? (outcome.result as PriceAnswer) : null;
    if (answer && 'refused' in answer) throw badInput(answer.refused, answer.field);
    return this.em.fork().findOneOrFail(Plan, { id: planId });
  }

  /**
   * The provider's answer, recorded once: the price on the plan, or the plan removed (nobody could have subscribed to
   * it yet).
   */
  private async recordPrice(em: EntityManager, planId: string, answer: PriceAnswer): Promise<PriceAnswer> {
    const plan = await em.findOne(Plan, { id: planId });
    if (!plan) return answer;
    if ('refused' in answer) em.remove(plan);
    else plan.providerPriceId = answer.providerPriceId;
    return answer;
  }

  /** No new subscribers from now on; those it has keep renewing. Archiving twice is harmless. */
  async archive(viewer: Viewer, id: string): Promise<Plan> {
    requireRole(viewer, 'ADMIN', 'Only admins archive plans.');
    const plan = await this.byId(id);
    plan.active = false;
    await this.em.flush();
    return plan;
  }
}
