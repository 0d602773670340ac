import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GatewayContext } from './context.js';

/** Prometheus metrics at /metrics: per-operation traffic, errors and latency, and live subscriptions. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly names = new Set<string>();
  readonly requests = new Counter({ name: 'peerlink_graphql_requests_total', help: 'GraphQL operations', labelNames: ['operation', 'type'], registers: [this.registry] });
  readonly errors = new Counter({ name: 'peerlink_graphql_errors_total', help: 'GraphQL errors by code', labelNames: ['operation', 'code'], registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'peerlink_graphql_request_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({ name: 'peerlink_active_subscriptions', help: 'Live GraphQL subscriptions', registers: [this.registry] });
  readonly liveDeliveries = new Counter({
    name: 'peerlink_live_deliveries_total',
    help: 'Events sent to subscribers, by whether their own lookup resolved them or one shared by every recipient',
    labelNames: ['resolved'],
    registers: [this.registry],
  });

  readonly subgraphRequestsMerged = new Counter({
    name: 'peerlink_gateway_subgraph_requests_merged_total',
    help: 'Subgraph queries not sent because an identical one (same body, same signed identity) was already on its way',
    labelNames: ['subgraph'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'peerlink_gateway_' });
  }

  /** Operation names are client-chosen: cap how many distinct ones become label values. */
  label(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.names.has(name)) return name;
    if (this.names.size >= 500 || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
    this.names.add(name);
    return name;
  }

  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => {
        const started = performance.now();
        return {
          willSendResponse: async ({ operationName, operation, errors }) => {
            const label = this.label(operationName);
            this.requests.inc({ operation: label, type: operation?.operation ?? 'unknown' });
            this.duration.observe({ operation: label }, (performance.now() - started) / 1000);
            for (const error of errors ?? []) this.errors.inc({ operation: label, code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
          },
        };
      },
    };
  }
}
