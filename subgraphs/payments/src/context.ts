import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { PaymentLoaders } from './loaders.js';
import type { PaymentService } from './payment.service.js';
import type { PayoutAccountService } from './payout-account.service.js';
import type { PayoutService } from './payout.service.js';

export interface PaymentsServices {
  payments: PaymentService;
  payouts: PayoutService;
  payoutAccounts: PayoutAccountService;
}

export type PaymentsContext = SubgraphContext<PaymentsServices, PaymentLoaders>;
