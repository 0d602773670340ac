import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { CampaignService } from './campaign.service.js';
import type { CartService } from './cart.service.js';
import type { MarketplaceLoaders } from './loaders.js';
import type { OrderService } from './order.service.js';
import type { ProductService } from './product.service.js';
import type { ReturnRequestService } from './return-request.service.js';
import type { ReviewService } from './review.service.js';

export interface MarketplaceServices {
  products: ProductService;
  cart: CartService;
  orders: OrderService;
  reviews: ReviewService;
  campaigns: CampaignService;
  returns: ReturnRequestService;
}

export type MarketplaceContext = SubgraphContext<MarketplaceServices, MarketplaceLoaders>;
