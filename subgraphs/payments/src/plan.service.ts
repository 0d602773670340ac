import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { lockKey } from '@peerlink/platform/db/sql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, conflict, notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { checkCharge } from './access.js';
import { Plan, PlanInterval } from './plan.entity.js';
import { PlanTermsRefused, type PaymentProvider } from './provider.js';
import { line, prose, text } from '@peerlink/platform/text';

const PLAN_NAME = line('A plan’s name', 80);
const PLAN_DESCRIPTION = prose('A description', 1000, 0);

export interface PlanInput {
  name: string;
  description?: string | null;
  amount: number;
  currency: string;
  interval: PlanInterval;
}

/** The platform's plans: admins make and archive them, anyone reads those on sale. */
export class PlanService {
  constructor(
    private readonly orm: Orm,
    private readonly provider: PaymentProvider,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** Plans on sale, cheapest first. */
  onSale(): Promise<Plan[]> {
    return this.em.find(Plan, { active: true }, { orderBy: { amount: 'asc', id: 'asc' } });
  }

  /** Any plan, archived ones too (subscribers still see theirs), or NOT_FOUND. */
  async byId(id: string): Promise<Plan> {
    const plan = isUuid(id) ? await this.em.findOne(Plan, { id }) : null;
    if (!plan) throw notFound('Plan');
    return plan;
  }

  /** A new plan and its price at the provider (made once per plan: the provider's keys come from the plan's id). */
  async create(viewer: Viewer, input: PlanInput): Promise<Plan> {
    requireRole(viewer, 'ADMIN', 'Only admins make plans.');
    const name = text(input.name, 'name', PLAN_NAME);
    const description = text(input.description ?? '', 'description', PLAN_DESCRIPTION);
    const invalid = checkCharge(input.amount, input.currency);
    if (invalid) throw badInput(invalid, invalid.includes('amount') ? 'amount' : 'currency');
    const taken = () => conflict('A plan on sale already has this name.', 'name');
    return this.em
      .transactional(async (em) => {
        // Two admins making one name at once: the second waits, then sees the first's plan, before asking the provider.
        await lockKey(em, `plan-name:${name.toLowerCase()}`);
        if (await em.count(Plan, { active: true, name: { $ilike: name.replace(/[\\%_]/g, '\\$&') } })) throw taken();
        const plan = em.create(Plan, { name, description, amount: input.amount, currency: input.currency, interval: input.interval, provider: this.provider.name, providerPriceId: '' });
        const { providerPriceId } = await this.provider.createPlanPrice({ planId: plan.id, name, amount: plan.amount, currency: plan.currency, interval: plan.interval });
        plan.providerPriceId = providerPriceId;
        return plan;
      })
      .catch((error: unknown) => {
        if (error instanceof PlanTermsRefused) throw badInput(error.message, error.field);
        // The lock is per exact lowercasing; the index (lower(name)) has the last word.
        if (error instanceof UniqueConstraintViolationException) throw taken();
        throw error;
      });
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
