import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { PaymentLoaders } from './loaders.js';
import type { PaymentMethodService } from './payment-methods/payment-method.service.js';
import type { PaymentService } from './charges/payment.service.js';
import type { PayoutAccountService } from './payouts/payout-account.service.js';
import type { PayoutService } from './payouts/payout.service.js';
import type { PlanSubscriptionService } from './plans/plan-subscription.service.js';
import type { PlanService } from './plans/plan.service.js';

export interface PaymentsServices {
  payments: PaymentService;
  paymentMethods: PaymentMethodService;
  plans: PlanService;
  planSubscriptions: PlanSubscriptionService;
  payouts: PayoutService;
  payoutAccounts: PayoutAccountService;
}

export type PaymentsContext = SubgraphContext<PaymentsServices, PaymentLoaders>;
