import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { subgraphs } from '@peerlink/launcher/subgraphs';

/**
 * Operations as code (deploy/, README there): Prometheus' configuration and alert rules pass promtool and their own
 * unit tests, the committed Grafana dashboards are exactly what the generator writes, and rules and panels name only
 * the metrics the processes serve. promtool is required (Debian's prometheus package; .ci/run installs it).
 */

const root = join(import.meta.dirname, '..');
const deploy = join(root, 'deploy');
const read = (file: string) => readFileSync(join(deploy, file), 'utf8');
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'peerlink-observability-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: join(deploy, 'prometheus') });
    return stdout + stderr;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT')
      throw new Error("promtool is not installed: install Debian's prometheus package (apt-get install prometheus)");
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
interface AlertTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}
interface ScrapeConfig {
  job_name: string;
  honor_labels?: boolean;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { query?: string }[] };
}

const rules = (parseYaml(read('prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (group) => group.rules,
);
const prometheusConfig = parseYaml(read('prometheus/prometheus.yml')) as {
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
};
const dashboardFiles = readdirSync(join(deploy, 'grafana/dashboards')).sort();
const dashboards = dashboardFiles.map((file) => JSON.parse(read(`grafana/dashboards/${file}`)) as Dashboard);
/** Every panel's PromQL, and the selector of each `label_values(<selector>, <label>)` variable. */
const dashboardExpressions = dashboards.flatMap((dashboard) => [
  ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
  ...dashboard.templating.list.flatMap((variable) =>
    variable.query ? [variable.query.replace(/^label_values\((.+), \w+\)$/, '$1')] : [],
  ),
]);

/** The metric reference in deploy/README.md: `| \`name\` | type | labels | meaning |` rows. */
const documented = new Map(
  [...read('README.md').matchAll(/^\| `(peerlink_[a-z0-9_]+)` \| (counter|gauge|histogram) \|/gm)].map((row) => [
    row[1]!,
    row[2]!,
  ]),
);

/** Metric names in a PromQL expression: peerlink_… identifiers, not recording rules (`peerlink:…`). */
const metricNames = (expr: string) => [...expr.matchAll(/(?<![\w:])peerlink_[a-z0-9_]+(?![\w:])/g)].map((m) => m[0]);
const recordingNames = (expr: string) => [...expr.matchAll(/(?<![\w:])peerlink:[a-z0-9_:]+/g)].map((m) => m[0]);

/** A documented metric, or a histogram's _bucket, _sum or _count series. */
function isDocumented(name: string): boolean {
  if (documented.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && documented.get(base) === 'histogram';
}

describe('Prometheus', () => {
  it('accepts the configuration and the rule file it loads', async () => {
    expect(prometheusConfig.rule_files).toEqual(['alerts.yml']);
    expect(await promtool('check', 'config', 'prometheus.yml')).toContain('SUCCESS: prometheus.yml is valid');
    expect(await promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the alert rules unit tests', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('tests every alert both firing and silent', () => {
    const tests = (parseYaml(read('prometheus/alerts.test.yml')) as { tests: AlertTest[] }).tests.flatMap(
      (test) => test.alert_rule_test ?? [],
    );
    const alerts = rules.flatMap((rule) => (rule.alert ? [rule.alert] : []));
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    for (const alert of alerts) {
      const cases = tests.filter((test) => test.alertname === alert);
      expect(
        cases.some((test) => test.exp_alerts?.length),
        `${alert} fires`,
      ).toBe(true);
      expect(
        cases.some((test) => !test.exp_alerts?.length),
        `${alert} stays silent`,
      ).toBe(true);
    }
  });

  it('gives every alert a severity, a summary and a description', () => {
    for (const rule of rules.filter((r) => r.alert) as (Rule & {
      labels?: { severity?: string };
      annotations?: Record<string, string>;
    })[]) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
    }
  });

  it('scrapes the gateway and every subgraph at its compose service and port, labelled with its name', () => {
    const compose = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    const jobs = Object.fromEntries(prometheusConfig.scrape_configs.map((job) => [job.job_name, job]));
    expect(Object.keys(jobs).sort()).toEqual(['gateway', 'subgraphs']);
    expect(jobs.gateway!.static_configs.flatMap((group) => group.targets)).toEqual([
      `gateway:${compose.services.gateway!.environment!.PORT}`,
    ]);
    // The subgraphs' own `subgraph` label wins over the target's (same value), instead of becoming exported_subgraph.
    expect(jobs.subgraphs!.honor_labels).toBe(true);
    const scraped = jobs.subgraphs!.static_configs.map((group) => ({ labels: group.labels, targets: group.targets }));
    expect(scraped).toEqual(
      subgraphs.map(({ definition, port }) => ({
        labels: { subgraph: definition.name },
        targets: [`${definition.name}:${port}`],
      })),
    );
    for (const { definition, port } of subgraphs)
      expect(compose.services[definition.name]?.environment?.PORT, definition.name).toBe(String(port));
  });
});

describe('Grafana dashboards', () => {
  it('are committed exactly as the generator writes them', async () => {
    await run(process.execPath, [join(deploy, 'grafana/generate-dashboards.mjs'), '--out', scratch]);
    const generated = readdirSync(scratch).sort();
    expect(dashboardFiles).toEqual(generated);
    expect(generated).toEqual(['events.json', 'overview.json', 'subgraphs.json']);
    for (const file of generated) {
      expect(read(`grafana/dashboards/${file}`), `${file}: run npm run dashboards`).toBe(
        readFileSync(join(scratch, file), 'utf8'),
      );
    }
  });

  it('query the provisioned Prometheus data source, with unique panel ids and uids', () => {
    const datasource = parseYaml(read('grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    expect(datasource.datasources).toMatchObject([{ uid: 'prometheus', url: 'http://prometheus:9090' }]);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    for (const dashboard of dashboards) {
      const ids = dashboard.panels.map((panel) => (panel as unknown as { id: number }).id);
      expect(new Set(ids).size, dashboard.uid).toBe(ids.length);
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        expect(panel.targets?.length, `${dashboard.uid}: ${panel.title}`).toBeGreaterThan(0);
        expect((panel as unknown as { datasource: { uid: string } }).datasource.uid).toBe('prometheus');
      }
    }
  });

  it('hold PromQL that Prometheus parses', async () => {
    // promtool parses expressions only as rules: each query becomes one, with Grafana's variables filled in.
    const asRules = {
      groups: [
        {
          name: 'dashboards',
          rules: dashboardExpressions.map((expr, index) => ({
            record: `dashboard_query_${index}`,
            expr: expr.replaceAll('$__rate_interval', '1m').replaceAll('$subgraph', '.*'),
          })),
        },
      ],
    };
    writeFileSync(join(scratch, 'dashboard-queries.yml'), stringifyYaml(asRules));
    expect(dashboardExpressions.length).toBeGreaterThan(30);
    expect(await promtool('check', 'rules', join(scratch, 'dashboard-queries.yml'))).toContain(
      `SUCCESS: ${dashboardExpressions.length} rules found`,
    );
  });
});

describe('metric names', () => {
  const ruleExpressions = rules.map((rule) => rule.expr);
  const used = [...ruleExpressions, ...dashboardExpressions].flatMap(metricNames);

  it('rules and dashboards name only the metrics listed in deploy/README.md', () => {
    expect(documented.size).toBeGreaterThanOrEqual(20);
    expect(used.length).toBeGreaterThan(30);
    expect([...new Set(used.filter((name) => !isDocumented(name)))]).toEqual([]);
  });

  it('shows every listed metric somewhere', () => {
    const shown = new Set(used.map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    expect([...documented.keys()].filter((name) => !shown.has(name))).toEqual([]);
  });

  it('uses only recording rules alerts.yml defines, and only the scrape jobs prometheus.yml has', () => {
    const recorded = new Set(rules.flatMap((rule) => (rule.record ? [rule.record] : [])));
    const expressions = [...ruleExpressions, ...dashboardExpressions];
    expect([...new Set(expressions.flatMap(recordingNames))].filter((name) => !recorded.has(name))).toEqual([]);
    const jobs = new Set(prometheusConfig.scrape_configs.map((job) => job.job_name));
    const named = expressions.flatMap((expr) => [...expr.matchAll(/job="([^"]+)"/g)].map((m) => m[1]!));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((job) => !jobs.has(job))).toEqual([]);
  });
});
