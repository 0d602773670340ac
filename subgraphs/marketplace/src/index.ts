import type { PaymentsEvents } from '@peerlink/contracts/payments';
import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import { marketplaceConfig, type MarketplaceConfig } from './config.js';
import { Campaign } from './campaign.entity.js';
import { CampaignResolver } from './campaign.resolver.js';
import { CampaignService } from './campaign.service.js';
import { ImpressionCounter } from './impression-counter.js';
import { CartItem } from './cart.entity.js';
import { CartResolver } from './cart.resolver.js';
import { CartService } from './cart.service.js';
import type { MarketplaceServices } from './context.js';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { MarketplaceLoaders } from './loaders.js';
import { migrations } from './migrations/index.js';
import { Order, OrderItem } from './order.entity.js';
import { OrderItemResolver, OrderResolver } from './order.resolver.js';
import { OrderService } from './order.service.js';
import { paymentsEventHandlers } from './payments-events.handler.js';
import type { DriveEvents } from '@peerlink/contracts/drive';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { learningEventHandlers } from './learning-events.handler.js';
import { driveEventHandlers } from './return-events.handler.js';
import { ReturnRequest, ReturnRequestItem } from './return-request.entity.js';
import { OrderReturnsResolver, ReturnRequestItemResolver, ReturnRequestResolver } from './return-request.resolver.js';
import { ReturnRequestService } from './return-request.service.js';
import { Category, Product } from './product.entity.js';
import { ProductReview, SellerReview } from './review.entity.js';
import { ProductReviewResolver, SellerReviewResolver } from './review.resolver.js';
import { ReviewService } from './review.service.js';
import { SellerResolver, userRef } from './seller.js';
import { ProductResolver } from './product.resolver.js';
import { ProductService } from './product.service.js';

/** The marketplace: a catalog anyone can sell in, carts, and orders paid through the payments service. */
export const marketplace: SubgraphDefinition<MarketplaceServices, MarketplaceLoaders, MarketplaceConfig> = {
  name: 'marketplace',
  config: marketplaceConfig,
  entities: [
    Product,
    Category,
    CartItem,
    Order,
    OrderItem,
    ProductReview,
    SellerReview,
    Campaign,
    ReturnRequest,
    ReturnRequestItem,
  ],
  migrations,
  resolvers: [
    ProductResolver,
    CartResolver,
    OrderResolver,
    OrderItemResolver,
    ProductReviewResolver,
    SellerReviewResolver,
    SellerResolver,
    CampaignResolver,
    ReturnRequestResolver,
    ReturnRequestItemResolver,
    OrderReturnsResolver,
  ],
  references: {
    User: (reference: { id: string }) => userRef(reference.id),
    Product: (reference: { id: string }, ctx: { loaders: MarketplaceLoaders }) =>
      ctx.loaders.product.load(reference.id).then((p) => (p && ctx.loaders.maySee(p) ? p : null)),
    Order: (reference: { id: string }, ctx: { loaders: MarketplaceLoaders }) =>
      ctx.loaders.order.load(reference.id).then((o) => (o && ctx.loaders.mayRead(o) ? o : null)),
    ReturnRequest: (reference: { id: string }, ctx: { services: MarketplaceServices; loaders: MarketplaceLoaders }) =>
      ctx.services.returns.visible(reference.id, ctx.loaders),
  },

  async start({ bus, logger }, orm, settings) {
    const outbox = new Outbox<MarketplaceEvents>(orm, bus, logger);
    const orders = new OrderService(orm, outbox, settings.ORDER_PAYMENT_SECONDS);
    // Checked a few times per payment window, so an order outlives its window by a quarter at most.
    const everyMs = Math.min(30_000, Math.max(200, (settings.ORDER_PAYMENT_SECONDS * 1000) / 4));
    const unpaid = new Repeating('unpaid-order sweep', everyMs, () => orders.expireUnpaid(), logger).start();
    const impressions = new ImpressionCounter(orm);
    const impressionFlush = new Repeating('impression flush', 1_000, () => impressions.flush(), logger).start();
    const campaigns = new CampaignService(orm, outbox, settings.ORDER_PAYMENT_SECONDS, impressions);
    const returns = new ReturnRequestService(orm, outbox, settings.RETURN_ANSWER_SECONDS);
    const stopConsuming = await consumeEvents<
      PaymentsEvents & MarketplaceEvents & DriveEvents & LearningEvents,
      MarketplaceEvents
    >({
      bus,
      outbox,
      consumer: 'marketplace',
      handlers: {
        ...paymentsEventHandlers(orders, returns),
        ...driveEventHandlers(returns),
        ...learningEventHandlers(),
        // A campaign follows the order that pays for it; a sale between users has none.
        'marketplace.order.changed': {
          when: ({ purpose }) => purpose !== 'SALE',
          handle: ({ orderId, status }, { em }) => campaigns.followOrder(em, orderId, status),
        },
      },
      logger,
    });
    return {
      services: {
        products: new ProductService(orm, campaigns, outbox),
        cart: new CartService(orm),
        orders,
        reviews: new ReviewService(orm),
        campaigns,
        returns,
      },
      createLoaders: (viewer) => new MarketplaceLoaders(orm.em as never, viewer),
      async stop() {
        await unpaid.stop();
        await impressionFlush.stop();
        await impressions.flush().catch((err) => logger.warn({ err }, 'impressions of the last second were not saved'));
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};
