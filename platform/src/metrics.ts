import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import type { ConsumeOptions } from './events/event-bus.js';

/**
 * Prometheus metrics for every process: each subgraph has a registry of its own, served at its /metrics with the label
 * `subgraph`, and the process's own figures (CPU, memory, event loop) are kept once per process and served beside
 * them. Names are listed for operators in deploy/README.md; alerts and dashboards under deploy/ read them.
 */

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | null = null;

/** CPU, memory, event loop lag and GC of this process, collected once however many subgraphs it runs. */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'peerlink_' });
  }
  return processRegistry;
}

/** A registry's metrics and the process's, as one Prometheus text: what every process's /metrics serves. */
export async function withProcessMetrics(registry: Registry): Promise<string> {
  return `${await registry.metrics()}\n${await processMetrics().metrics()}`;
}

/**
 * One subgraph's instruments. A process that starts a subgraph again (tests do) gets the same instruments back:
 * prom-client refuses a second metric of one name in a registry, and counters keep counting across restarts as
 * they would across a scrape.
 */
export class SubgraphMetrics {
  readonly registry = new Registry();

  readonly requests: Counter<'type'>;
  readonly errors: Counter<'code'>;
  readonly requestDuration: Histogram;
  readonly resolverDuration: Histogram<'field'>;
  readonly eventsPublished: Counter;
  readonly eventsHandled: Counter<'consumer' | 'outcome'>;
  readonly eventDuration: Histogram<'consumer'>;
  readonly redeliveries: Counter<'consumer'>;
  readonly deadLetters: Counter<'consumer'>;
  /** How to count each consumer's waiting events, asked at scrape time. */
  private readonly lagReaders = new Map<string, () => Promise<number>>();

  constructor(readonly subgraph: string) {
    this.registry.setDefaultLabels({ subgraph });
    this.requests = this.counter({
      name: 'peerlink_subgraph_requests_total',
      help: 'GraphQL operations the subgraph answered, by type',
      labelNames: ['type'],
    });
    this.errors = this.counter({
      name: 'peerlink_subgraph_errors_total',
      help: 'GraphQL errors the subgraph answered, by extensions.code',
      labelNames: ['code'],
    });
    this.requestDuration = this.histogram({
      name: 'peerlink_subgraph_request_duration_seconds',
      help: 'From a GraphQL request reaching the subgraph to its answer',
    });
    this.resolverDuration = this.histogram({
      name: 'peerlink_resolver_duration_seconds',
      help: 'Root field resolvers and entity lookups, by field (Query.orders, Mutation.sendMessage, User._entities)',
      labelNames: ['field'],
    });
    this.eventsPublished = this.counter({
      name: 'peerlink_events_published_total',
      help: 'Events the outbox handed to the bus',
    });
    this.eventsHandled = this.counter({
      name: 'peerlink_events_handled_total',
      help: 'Events a consumer handled: ok, failed (to be retried or dead-lettered), or skipped (a duplicate)',
      labelNames: ['consumer', 'outcome'],
    });
    this.eventDuration = this.histogram({
      name: 'peerlink_event_handle_duration_seconds',
      help: 'One attempt at handling one event, its transaction included',
      labelNames: ['consumer'],
    });
    this.redeliveries = this.counter({
      name: 'peerlink_event_redeliveries_total',
      help: 'Events delivered again after a failed or unfinished attempt',
      labelNames: ['consumer'],
    });
    this.deadLetters = this.counter({
      name: 'peerlink_dead_letters_total',
      help: 'Events a consumer gave up on after its last attempt',
      labelNames: ['consumer'],
    });
    this.gauge({
      name: 'peerlink_event_consumer_lag',
      help: 'Events stored for a consumer and not yet acknowledged by it',
      labelNames: ['consumer'],
      collect: async () => {
        const lag = this.registry.getSingleMetric('peerlink_event_consumer_lag') as Gauge<'consumer'>;
        const read = await Promise.all(
          [...this.lagReaders].map(async ([consumer, pending]) => [consumer, await withinScrape(pending())] as const),
        );
        // Set together after every read: overlapping scrapes cannot drop each other's series.
        lag.reset();
        // A bus that cannot answer now leaves the series out, rather than reporting a lag of zero.
        for (const [consumer, waiting] of read) if (waiting !== null) lag.set({ consumer }, waiting);
      },
    });
  }

  /**
   * Watches an event consumer: its lag, read at each scrape from now on (a consumer started again replaces its
   * reader), and its redeliveries and dead letters, through the options returned for its bus subscription.
   */
  observeConsumer(
    consumer: string,
    pending: () => Promise<number>,
  ): Pick<ConsumeOptions, 'onRedelivery' | 'onDeadLetter'> {
    this.lagReaders.set(consumer, pending);
    // Present from the start, at 0: an alert on their growth then sees the first one too.
    this.deadLetters.inc({ consumer }, 0);
    this.redeliveries.inc({ consumer }, 0);
    return {
      onRedelivery: () => this.redeliveries.inc({ consumer }),
      onDeadLetter: () => this.deadLetters.inc({ consumer }),
    };
  }

  counter<L extends string = never>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Counter<L>) ??
      this.registered(new Counter({ ...config, registers: [] }))
    );
  }

  histogram<L extends string = never>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Histogram<L>) ??
      this.registered(new Histogram({ buckets: LATENCY_BUCKETS, ...config, registers: [] }))
    );
  }

  /** A gauge read at scrape time; `collect` is replaced when the subgraph starts again (it reads the new database). */
  gauge<L extends string = never>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    const known = this.registry.getSingleMetric(config.name) as Gauge<L> | undefined;
    if (known) {
      if (config.collect) (known as unknown as { collect: typeof config.collect }).collect = config.collect;
      return known;
    }
    return this.registered(new Gauge({ ...config, registers: [] }));
  }

  private registered<M extends Counter<string> | Gauge<string> | Histogram<string>>(metric: M): M {
    this.registry.registerMetric(metric);
    return metric;
  }

  /** The subgraph's metrics and the process's, as Prometheus text. */
  text(): Promise<string> {
    return withProcessMetrics(this.registry);
  }
}

/** How long one figure may take to read at a scrape: well inside Prometheus' 10 s, so the rest still arrive. */
export const SCRAPE_READ_MS = 2000;

/**
 * A value read for a scrape, or null when its source failed or did not answer in time (NATS or the database away):
 * the scrape answers without it rather than failing whole, which would read as the process being down.
 */
export async function withinScrape<T>(read: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), SCRAPE_READ_MS).unref();
  });
  try {
    return await Promise.race([read.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

const bySubgraph = new Map<string, SubgraphMetrics>();

/** The instruments of the subgraph named `name` (its Postgres schema has the same name). */
export function subgraphMetrics(name: string): SubgraphMetrics {
  let metrics = bySubgraph.get(name);
  if (!metrics) {
    metrics = new SubgraphMetrics(name);
    bySubgraph.set(name, metrics);
  }
  return metrics;
}
