import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { PaymentLoaders } from './loaders.js';
import type { PaymentMethodService } from './payment-method.service.js';
import type { PaymentService } from './payment.service.js';
import type { PayoutAccountService } from './payout-account.service.js';
import type { PayoutService } from './payout.service.js';
import type { PlanSubscriptionService } from './plan-subscription.service.js';
import type { PlanService } from './plan.service.js';

export interface PaymentsServices {
  payments: PaymentService;
  paymentMethods: PaymentMethodService;
  plans: PlanService;
  planSubscriptions: PlanSubscriptionService;
  payouts: PayoutService;
  payoutAccounts: PayoutAccountService;
}

export type PaymentsContext = SubgraphContext<PaymentsServices, PaymentLoaders>;
