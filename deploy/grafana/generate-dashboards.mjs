// Writes PeerLink's Grafana dashboards as provisioning JSON: `npm run dashboards` (or `node
// deploy/grafana/generate-dashboards.mjs [--out <dir>]`). Edit this file, not the JSON: Grafana loads the JSON
// read-only, and e2e/observability-config.spec.ts fails when the committed files differ from what this writes.
// Metric names: deploy/README.md.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** The Prometheus data source, as deploy/grafana/provisioning/datasources/prometheus.yml names it. */
const prometheus = { type: 'prometheus', uid: 'prometheus' };
const subgraphFilter = 'subgraph=~"$subgraph"';

// Panels ----------------------------------------------------------------------------------------------------------

/** A query with its legend; `{{label}}` in the legend is filled in by Grafana. */
const query = (expr, legendFormat) => ({ expr, legendFormat });

const selector = (filter) => (filter ? `{${filter}}` : '');
/** Per-second rate of a counter over Grafana's interval. */
const rate = (metric, filter = '') => `rate(${metric}${selector(filter)}[$__rate_interval])`;
const increase = (metric, filter = '') => `increase(${metric}${selector(filter)}[$__rate_interval])`;
const sumBy = (labels, expr) => `sum by (${labels}) (${expr})`;
const quantile = (q, metric, by, filter = '') =>
  `histogram_quantile(${q}, ${sumBy(by ? `le, ${by}` : 'le', rate(`${metric}_bucket`, filter))})`;

function timeseries(title, description, queries, { unit = 'short', width = 12, stack = false } = {}) {
  return {
    type: 'timeseries',
    title,
    description,
    width,
    fieldConfig: {
      defaults: {
        unit,
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: stack ? 30 : 10,
          showPoints: 'never',
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'right', showLegend: true, calcs: ['mean', 'max', 'lastNotNull'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    queries,
  };
}

/** One number per series, red from 1 up (or, with `upDown`, for `up`: red below 1). */
function stat(title, description, queries, { unit = 'short', width = 6, upDown = false } = {}) {
  const steps = upDown
    ? [
        { color: 'red', value: null },
        { color: 'green', value: 1 },
      ]
    : [
        { color: 'green', value: null },
        { color: 'red', value: 1 },
      ];
  return {
    type: 'stat',
    title,
    description,
    width,
    fieldConfig: {
      defaults: {
        unit,
        thresholds: { mode: 'absolute', steps },
        mappings: upDown
          ? [
              {
                type: 'value',
                options: { 0: { text: 'down', index: 0 }, 1: { text: 'up', index: 1 } },
              },
            ]
          : [],
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode: 'auto',
    },
    queries,
  };
}

/** p50, p95 and p99 of a histogram, one panel each, a line per `by` value. */
function latencyPanels(name, description, metric, by, filter, width = 8) {
  return [0.5, 0.95, 0.99].map((q) =>
    timeseries(`${name} p${Math.round(q * 100)}`, description, [query(quantile(q, metric, by, filter), `{{${by}}}`)], {
      unit: 's',
      width,
    }),
  );
}

// Dashboards -------------------------------------------------------------------------------------------------------

const subgraphVariable = {
  type: 'query',
  name: 'subgraph',
  label: 'Subgraph',
  datasource: prometheus,
  // The string form Grafana's Prometheus variables have always read (newer saves wrap it in an object).
  query: 'label_values(up{job="subgraphs"}, subgraph)',
  definition: 'label_values(up{job="subgraphs"}, subgraph)',
  refresh: 2,
  multi: true,
  includeAll: true,
  allValue: '.*',
  current: { text: 'All', value: '$__all' },
  sort: 1,
};

const overview = {
  uid: 'peerlink-overview',
  title: 'PeerLink · Overview',
  description: 'What clients see at the gateway: traffic, errors, latency per operation, live subscriptions.',
  variables: [],
  rows: [
    {
      title: 'Health',
      panels: [
        stat(
          'Processes up',
          'Prometheus reaches /metrics of the gateway and each subgraph.',
          [query('up', '{{job}} {{subgraph}}')],
          { width: 18, upDown: true },
        ),
        stat('Firing alerts', 'Alerts from deploy/prometheus/alerts.yml firing now (Prometheus, Alerts page).', [
          query('count(ALERTS{alertstate="firing"}) or vector(0)', 'firing'),
        ]),
      ],
    },
    {
      title: 'Traffic',
      panels: [
        timeseries(
          'Operations per second',
          'GraphQL operations at the gateway, by type.',
          [query(sumBy('type', rate('peerlink_graphql_requests_total')), '{{type}}')],
          { unit: 'reqps', stack: true },
        ),
        timeseries(
          'Busiest operations',
          'The ten operations with the most requests per second.',
          [query(`topk(10, ${sumBy('operation', rate('peerlink_graphql_requests_total'))})`, '{{operation}}')],
          { unit: 'reqps' },
        ),
      ],
    },
    {
      title: 'Errors',
      panels: [
        timeseries(
          'Server error ratio',
          "Server errors (codes that are not the client's fault) per operation, as the GatewayErrorRatioHigh alert " +
            'reads it; it fires above 5%.',
          [query('peerlink:graphql_server_errors:rate5m / peerlink:graphql_requests:rate5m', 'server errors')],
          { unit: 'percentunit', width: 8 },
        ),
        timeseries(
          'Errors by code',
          "Every error, the client's own (BAD_USER_INPUT, UNAUTHENTICATED, …) included.",
          [query(sumBy('code', rate('peerlink_graphql_errors_total')), '{{code}}')],
          { unit: 'reqps', width: 8, stack: true },
        ),
        timeseries(
          'Errors by operation',
          'The ten operation and code pairs with the most errors per second.',
          [
            query(
              `topk(10, ${sumBy('operation, code', rate('peerlink_graphql_errors_total'))})`,
              '{{operation}} {{code}}',
            ),
          ],
          { unit: 'reqps', width: 8 },
        ),
      ],
    },
    {
      title: 'Latency by operation',
      panels: latencyPanels(
        'Latency',
        'From the gateway receiving an operation to its answer, per operation.',
        'peerlink_graphql_request_duration_seconds',
        'operation',
      ),
    },
    {
      title: 'Live subscriptions',
      panels: [
        timeseries(
          'Active subscriptions',
          'Live GraphQL subscriptions open at the gateway.',
          [query('sum(peerlink_live_active_subscriptions)', 'subscriptions')],
          { width: 6 },
        ),
        timeseries(
          'Deliveries per second',
          'Events sent to subscribers, by how their payload was resolved.',
          [query(sumBy('resolved', rate('peerlink_live_deliveries_total')), '{{resolved}}')],
          { unit: 'ops', width: 6, stack: true },
        ),
        timeseries(
          'Dropped events',
          'Events a subscriber lost (its subscription then ended), by reason.',
          [query(sumBy('reason', rate('peerlink_live_dropped_events_total')), '{{reason}}')],
          { unit: 'ops', width: 6 },
        ),
        timeseries(
          'Event to payload',
          "From a live event reaching the gateway to a subscriber's payload being ready.",
          [0.5, 0.95, 0.99].map((q) => query(quantile(q, 'peerlink_live_resolve_seconds', ''), `p${q * 100}`)),
          { unit: 's', width: 6 },
        ),
      ],
    },
  ],
};

const events = {
  uid: 'peerlink-events',
  title: 'PeerLink · Events',
  description: 'The event pipeline: outboxes to NATS, consumers, retries and dead letters.',
  variables: [subgraphVariable],
  rows: [
    {
      title: 'Outbox',
      panels: [
        timeseries(
          'Outbox backlog',
          'Events committed with their transaction, not yet on the bus.',
          [query(`sum by (subgraph) (peerlink_outbox_backlog{${subgraphFilter}})`, '{{subgraph}}')],
          { width: 8 },
        ),
        timeseries(
          'Oldest outbox event',
          'Age of the oldest event waiting in each outbox; OutboxStuck fires past 5m.',
          [query(`max by (subgraph) (peerlink_outbox_oldest_age_seconds{${subgraphFilter}})`, '{{subgraph}}')],
          { unit: 's', width: 8 },
        ),
        timeseries(
          'Published per second',
          'Events each subgraph put on the bus.',
          [query(sumBy('subgraph', rate('peerlink_events_published_total', subgraphFilter)), '{{subgraph}}')],
          { unit: 'ops', width: 8, stack: true },
        ),
      ],
    },
    {
      title: 'Consumers',
      panels: [
        timeseries(
          'Consumer lag',
          'Events waiting for each consumer.',
          [
            query(
              `sum by (subgraph, consumer) (peerlink_event_consumer_lag{${subgraphFilter}})`,
              '{{subgraph}}/{{consumer}}',
            ),
          ],
          { width: 12 },
        ),
        timeseries(
          'Handled per second',
          'Events consumers handled, by outcome (ok, failed, skipped).',
          [
            query(
              sumBy('subgraph, consumer, outcome', rate('peerlink_events_handled_total', subgraphFilter)),
              '{{subgraph}}/{{consumer}} {{outcome}}',
            ),
          ],
          { unit: 'ops', width: 12 },
        ),
        timeseries(
          'Failed per second',
          'Handling attempts that threw; each is retried until it becomes a dead letter.',
          [
            query(
              sumBy('subgraph, consumer', rate('peerlink_events_handled_total', `${subgraphFilter}, outcome="failed"`)),
              '{{subgraph}}/{{consumer}}',
            ),
          ],
          { unit: 'ops', width: 12 },
        ),
        timeseries(
          'Handling time p95',
          'How long one event takes its consumer, 95th percentile.',
          [
            query(
              quantile(0.95, 'peerlink_event_handle_duration_seconds', 'subgraph, consumer', subgraphFilter),
              '{{subgraph}}/{{consumer}}',
            ),
          ],
          { unit: 's', width: 12 },
        ),
      ],
    },
    {
      title: 'Retries and dead letters',
      panels: [
        timeseries(
          'Redeliveries per second',
          'Events delivered to a consumer again after a failure or a timeout.',
          [
            query(
              sumBy('subgraph, consumer', rate('peerlink_event_redeliveries_total', subgraphFilter)),
              '{{subgraph}}/{{consumer}}',
            ),
          ],
          { unit: 'ops', width: 8 },
        ),
        timeseries(
          'New dead letters',
          'Events given up on in each interval (npm run dead-letters -- list).',
          [
            query(
              sumBy('subgraph, consumer', increase('peerlink_dead_letters_total', subgraphFilter)),
              '{{subgraph}}/{{consumer}}',
            ),
          ],
          { width: 8 },
        ),
        stat(
          'Dead letters since start',
          'Dead letters counted since each process started.',
          [query(`sum(peerlink_dead_letters_total{${subgraphFilter}}) or vector(0)`, 'dead letters')],
          { width: 8 },
        ),
      ],
    },
  ],
};

const subgraphs = {
  uid: 'peerlink-subgraphs',
  title: 'PeerLink · Subgraphs',
  description: 'Inside each subgraph: requests, resolvers, the database pool, transcoding and assistant replies.',
  variables: [subgraphVariable],
  rows: [
    {
      title: 'Requests',
      panels: [
        timeseries(
          'Requests per second',
          'Requests the gateway sent each subgraph.',
          [query(sumBy('subgraph', rate('peerlink_subgraph_requests_total', subgraphFilter)), '{{subgraph}}')],
          { unit: 'reqps', width: 8, stack: true },
        ),
        timeseries(
          'Server error ratio',
          'Server errors per request, as SubgraphErrorRatioHigh reads it (fires above 5%).',
          [
            query(
              `peerlink:subgraph_server_errors:rate5m{${subgraphFilter}}` +
                ` / peerlink:subgraph_requests:rate5m{${subgraphFilter}}`,
              '{{subgraph}}',
            ),
          ],
          { unit: 'percentunit', width: 8 },
        ),
        timeseries(
          'Errors by code',
          "Every error, the client's own included.",
          [
            query(
              sumBy('subgraph, code', rate('peerlink_subgraph_errors_total', subgraphFilter)),
              '{{subgraph}} {{code}}',
            ),
          ],
          { unit: 'reqps', width: 8 },
        ),
        ...latencyPanels(
          'Request latency',
          'One subgraph request, from arrival to answer.',
          'peerlink_subgraph_request_duration_seconds',
          'subgraph',
          subgraphFilter,
        ),
      ],
    },
    {
      title: 'Resolvers',
      panels: [
        timeseries(
          'Slowest resolvers p95',
          'Root fields and entity lookups (_entities), the ten slowest.',
          [
            query(
              `topk(10, ${quantile(0.95, 'peerlink_resolver_duration_seconds', 'subgraph, field', subgraphFilter)})`,
              '{{subgraph}} {{field}}',
            ),
          ],
          { unit: 's' },
        ),
        timeseries(
          'Slowest resolvers p99',
          'Root fields and entity lookups (_entities), the ten slowest.',
          [
            query(
              `topk(10, ${quantile(0.99, 'peerlink_resolver_duration_seconds', 'subgraph, field', subgraphFilter)})`,
              '{{subgraph}} {{field}}',
            ),
          ],
          { unit: 's' },
        ),
        timeseries(
          'Busiest resolvers',
          'Calls per second, the ten busiest root fields and entity lookups.',
          [
            query(
              `topk(10, ${sumBy('subgraph, field', rate('peerlink_resolver_duration_seconds_count', subgraphFilter))})`,
              '{{subgraph}} {{field}}',
            ),
          ],
          { unit: 'ops', width: 24 },
        ),
      ],
    },
    {
      title: 'Database pool',
      panels: [
        timeseries(
          'Connections in use',
          'Pool connections holding a query or transaction.',
          [query(`sum by (subgraph) (peerlink_db_pool_connections{${subgraphFilter}, state="used"})`, '{{subgraph}}')],
          { width: 8 },
        ),
        timeseries(
          'Free connections',
          'Open pool connections waiting for work.',
          [query(`sum by (subgraph) (peerlink_db_pool_connections{${subgraphFilter}, state="free"})`, '{{subgraph}}')],
          { width: 8 },
        ),
        timeseries(
          'Waiting for a connection',
          'Acquisitions queued for a free connection; DatabasePoolSaturated fires ' +
            'when some wait at every look for 5m.',
          [
            query(
              `sum by (subgraph) (peerlink_db_pool_connections{${subgraphFilter}, state="pending"})`,
              '{{subgraph}}',
            ),
          ],
          { width: 8 },
        ),
      ],
    },
    {
      title: 'Transcoding and assistant replies',
      panels: [
        timeseries(
          'Transcode duration',
          'Learning: one lecture video into HLS renditions, by outcome.',
          [
            query(quantile(0.5, 'peerlink_transcode_duration_seconds', 'outcome'), 'p50 {{outcome}}'),
            query(quantile(0.95, 'peerlink_transcode_duration_seconds', 'outcome'), 'p95 {{outcome}}'),
          ],
          { unit: 's', width: 6 },
        ),
        timeseries(
          'Transcodes per hour',
          'Learning: transcodes finished, by outcome.',
          [query('sum by (outcome) (increase(peerlink_transcode_duration_seconds_count[1h]))', '{{outcome}}')],
          { width: 6 },
        ),
        timeseries(
          'Assistant reply duration',
          'Assistant: one reply, tools included, by provider and outcome.',
          [
            query(
              quantile(0.5, 'peerlink_assistant_reply_duration_seconds', 'provider, outcome'),
              'p50 {{provider}} {{outcome}}',
            ),
            query(
              quantile(0.95, 'peerlink_assistant_reply_duration_seconds', 'provider, outcome'),
              'p95 {{provider}} {{outcome}}',
            ),
          ],
          { unit: 's', width: 6 },
        ),
        timeseries(
          'Assistant replies per minute',
          'Assistant: replies finished, by provider and outcome.',
          [
            query(
              `${sumBy('provider, outcome', rate('peerlink_assistant_reply_duration_seconds_count'))} * 60`,
              '{{provider}} {{outcome}}',
            ),
          ],
          { width: 6 },
        ),
      ],
    },
    {
      title: 'Processes',
      panels: [
        timeseries(
          'Resident memory',
          'Memory each subgraph process holds.',
          [query(`sum by (subgraph) (peerlink_process_resident_memory_bytes{${subgraphFilter}})`, '{{subgraph}}')],
          { unit: 'bytes' },
        ),
        timeseries(
          'CPU',
          'CPU seconds per second each subgraph process uses.',
          [query(sumBy('subgraph', rate('peerlink_process_cpu_seconds_total', subgraphFilter)), '{{subgraph}}')],
          { unit: 'percentunit' },
        ),
      ],
    },
  ],
};

export const dashboards = { overview, events, subgraphs };

// Grafana's JSON model -------------------------------------------------------------------------------------------

const PANEL_HEIGHT = 8;

/** Rows and panels in Grafana's dashboard model (schemaVersion 39, Grafana 11), laid out left to right. */
export function dashboardModel({ uid, title, description, variables, rows }) {
  const panels = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      type: 'row',
      id: id++,
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const { width, queries, ...panel } of row.panels) {
      if (x + width > 24) {
        x = 0;
        y += PANEL_HEIGHT;
      }
      panels.push({
        ...panel,
        id: id++,
        datasource: prometheus,
        gridPos: { h: PANEL_HEIGHT, w: width, x, y },
        targets: queries.map((target, index) => ({
          datasource: prometheus,
          refId: String.fromCharCode(65 + index),
          expr: target.expr,
          legendFormat: target.legendFormat,
          range: true,
        })),
      });
      x += width;
    }
    y += PANEL_HEIGHT;
  }
  return {
    uid,
    title,
    description,
    tags: ['peerlink'],
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    time: { from: 'now-3h', to: 'now' },
    timezone: 'browser',
    links: [{ title: 'PeerLink', type: 'dashboards', tags: ['peerlink'], asDropdown: true, includeVars: true }],
    annotations: { list: [] },
    templating: { list: variables },
    panels,
    version: 1,
  };
}

/**
 * JSON as Biome formats it (biome.jsonc checks these files too): objects one key a line, arrays of plain values
 * on one line.
 */
export function formatJson(value, indent = '') {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => item === null || typeof item !== 'object'))
      return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    return `[\n${value.map((item) => inner + formatJson(item, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${formatJson(item, inner)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** Each dashboard's file name and content. */
export function dashboardFiles() {
  return Object.entries(dashboards).map(([name, dashboard]) => ({
    name: `${name}.json`,
    content: `${formatJson(dashboardModel(dashboard))}\n`,
  }));
}

/** Replaces the JSON files in `directory` with the generated ones (a dashboard removed here disappears there). */
export function writeDashboards(directory) {
  mkdirSync(directory, { recursive: true });
  for (const file of readdirSync(directory)) if (file.endsWith('.json')) rmSync(join(directory, file));
  for (const { name, content } of dashboardFiles()) writeFileSync(join(directory, name), content);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const directory = values.out ?? join(import.meta.dirname, 'dashboards');
  writeDashboards(directory);
  console.log(`Wrote ${Object.keys(dashboards).length} dashboards to ${directory}`);
}
