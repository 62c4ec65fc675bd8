/**
 * The alerting rules in deploy/prometheus/ load in Prometheus and behave as their unit tests say
 * (promtool, the one Prometheus itself uses), every alert is tested both firing and quiet, and
 * every dashboard query is PromQL Prometheus parses. promtool comes from the lab's build of
 * Prometheus (scripts/lab/build-prometheus.sh: instant once cached, ~10 minutes the first time).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { dashboardQueries } from '../support/dashboards';

const root = path.resolve(__dirname, '../..');
const rulesFile = 'deploy/prometheus/alerts.yml';
const testsFile = 'deploy/prometheus/alerts.test.yml';

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTests {
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const alerts = (
  parse(readFileSync(path.join(root, rulesFile), 'utf8')) as { groups: { rules: AlertRule[] }[] }
).groups
  .flatMap((group) => group.rules)
  .filter((rule) => rule.alert !== undefined);
const ruleTests = parse(readFileSync(path.join(root, testsFile), 'utf8')) as RuleTests;

let promtool = '';

/** Runs promtool from the repository's root; its output, whichever stream it used, for messages. */
function runPromtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(promtool, args, { cwd: root, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}${run.error?.message ?? ''}` };
}

beforeAll(() => {
  const build = spawnSync('bash', ['scripts/lab/build-prometheus.sh'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/lab/build-prometheus.sh failed:\n${build.stderr}`);
  promtool = path.join(build.stdout.trim().split('\n').pop() ?? '', 'promtool');
}, 30 * 60_000);

describe('Prometheus alerting rules', () => {
  it('load in Prometheus (promtool check rules)', () => {
    const run = runPromtool('check', 'rules', rulesFile);
    expect(run).toEqual({
      status: 0,
      output: expect.stringContaining(`SUCCESS: ${alerts.length} rules found`),
    });
  });

  it('pass their unit tests (promtool test rules)', () => {
    const run = runPromtool('test', 'rules', testsFile);
    expect(run).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('cover what the design asks to be paged about', () => {
    expect(alerts.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'SelfHealingWorkerDown',
        'SelfHealingDetectorDown',
        'SelfHealingDetectorWatchDown',
        'SelfHealingDetectorWatchStalled',
        'SelfHealingRecoveriesFailing',
        'SelfHealingEscalationLevel3',
        'SelfHealingDisruptionBudgetExhausted',
        'SelfHealingStormActive',
      ]),
    );
  });

  it.each(alerts.map((rule) => [rule.alert, rule] as const))(
    '%s is named for the dashboards, has a severity and says what to do',
    (name, rule) => {
      // The Alerts dashboard selects ALERTS{alertname=~"SelfHealing.*"}.
      expect(name).toMatch(/^SelfHealing[A-Z]\w+$/);
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      for (const key of ['summary', 'description', 'runbook'])
        expect([key, (rule.annotations?.[key] ?? '').length > 20]).toEqual([key, true]);
    },
  );

  it.each(alerts.map((rule) => [rule.alert] as const))('%s is unit-tested both firing and quiet', (name) => {
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === name);
    expect(cases.some((c) => (c.exp_alerts ?? []).length > 0)).toBe(true);
    expect(cases.some((c) => (c.exp_alerts ?? []).length === 0)).toBe(true);
  });
});

describe('dashboard queries', () => {
  it('are PromQL that Prometheus parses', () => {
    const queries = dashboardQueries();
    const rules = queries.map(
      (q, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(q.expr)}`,
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-queries-'));
    try {
      const file = path.join(dir, 'queries.yml');
      writeFileSync(file, `groups:\n  - name: dashboard-queries\n    rules:\n${rules.join('\n')}\n`);
      const run = runPromtool('check', 'rules', file);
      // On failure promtool names the rule; the list maps its number back to the panel.
      const listing = queries.map((q, i) => `${i}: ${q.dashboard} / ${q.panel} ${q.refId}`).join('\n');
      expect({ ...run, listing }).toEqual({
        status: 0,
        output: expect.stringContaining(`SUCCESS: ${queries.length} rules found`),
        listing,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
