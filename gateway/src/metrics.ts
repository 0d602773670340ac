import type { ApolloServerPlugin } from '@apollo/server';
import { withProcessMetrics } from '@peerlink/platform/metrics';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GatewayContext } from './context.js';
import type { LiveMetrics } from './live/live-server.js';

/** Prometheus metrics at /metrics: per-operation traffic, errors and latency, and live subscriptions. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly names = new Set<string>();
  readonly requests = new Counter({
    name: 'peerlink_graphql_requests_total',
    help: 'GraphQL operations',
    labelNames: ['operation', 'type'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'peerlink_graphql_errors_total',
    help: 'GraphQL errors by code',
    labelNames: ['operation', 'code'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'peerlink_graphql_request_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** The older name of peerlink_live_active_subscriptions, kept for dashboards that read it. */
  readonly subscriptions = new Gauge({
    name: 'peerlink_active_subscriptions',
    help: 'Live GraphQL subscriptions (older name of peerlink_live_active_subscriptions)',
    registers: [this.registry],
  });
  readonly liveSubscriptions = new Gauge({
    name: 'peerlink_live_active_subscriptions',
    help: 'Live GraphQL subscriptions',
    registers: [this.registry],
  });
  readonly liveEvents = new Counter({
    name: 'peerlink_live_events_resolved_total',
    help: 'Live events every subscriber that queued them is done with',
    registers: [this.registry],
  });
  readonly liveLookups = new Histogram({
    name: 'peerlink_live_lookups_per_event',
    help: 'Lookup queries one live event cost across its subscribers',
    buckets: [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });
  readonly liveResolve = new Histogram({
    name: 'peerlink_live_resolve_seconds',
    help: "From a live event reaching the gateway to one subscriber's payload being ready (queueing and lookup)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly liveDrops = new Counter({
    name: 'peerlink_live_dropped_events_total',
    help: 'Live events a subscriber lost (its subscription then ended with EVENTS_DROPPED), by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly liveDeliveries = new Counter({
    name: 'peerlink_live_deliveries_total',
    help:
      'Events sent to subscribers, by whether their own lookup resolved them, one shared by every recipient, ' +
      'or the event itself (@live(inline:))',
    labelNames: ['resolved'],
    registers: [this.registry],
  });
  readonly liveBatchSize = new Histogram({
    name: 'peerlink_live_subgraph_batch_size',
    help: 'Live lookups sent to a subgraph in one batch request (LIVE_LOOKUP_BATCH_SIZE at most)',
    labelNames: ['subgraph'],
    buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });

  readonly subgraphRequestsMerged = new Counter({
    name: 'peerlink_gateway_subgraph_requests_merged_total',
    help: 'Subgraph queries not sent because an identical one (same body, same signed identity) was already on its way',
    labelNames: ['subgraph'],
    registers: [this.registry],
  });

  readonly live: LiveMetrics = {
    subscriptions: (delta) => {
      this.subscriptions.inc(delta);
      this.liveSubscriptions.inc(delta);
    },
    delivered: (resolved) => this.liveDeliveries.inc({ resolved }),
    resolved: (seconds) => this.liveResolve.observe(seconds),
    eventDone: (lookups) => {
      this.liveEvents.inc();
      this.liveLookups.observe(lookups);
    },
    dropped: (reason, events) => this.liveDrops.inc({ reason }, events),
  };

  constructor() {
    for (const reason of ['slow_client', 'backlog', 'error']) this.liveDrops.inc({ reason }, 0);
  }

  /** The gateway's metrics and its process's (CPU, memory, event loop: peerlink_process_*, as every process's). */
  text(): Promise<string> {
    return withProcessMetrics(this.registry);
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
            for (const error of errors ?? [])
              this.errors.inc({ operation: label, code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
          },
        };
      },
    };
  }
}
