/**
 * The `analysis.*` ConfigMap section (src/config/analysis-config.ts): the design's thresholds as
 * defaults, every bad value rejected at load naming its key and value, PromQL shape checked without
 * Prometheus, and Prometheus' own parser asked where it can be.
 */
import {
  InvalidRecoveryConfigError,
  defaultRecoveryConfig,
  parseRecoveryConfig,
} from '../../src/config/recovery-config';
import { AnalysisRuleNames, analysisActive, validateQueries } from '../../src/config/analysis-config';
import { promqlShapeProblem } from '../../src/config/promql';

function issuesOf(data: Record<string, string>): string[] {
  try {
    parseRecoveryConfig(data);
  } catch (error) {
    if (error instanceof InvalidRecoveryConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('analysis config', () => {
  const defaults = defaultRecoveryConfig.analysis;

  test("the design's thresholds are the defaults, and the engine is off until Prometheus is named", () => {
    expect(defaults).toMatchObject({
      cpu_threshold: 80,
      memory_threshold: 85,
      disk_threshold: 90,
      response_time_threshold: 1000,
      error_rate_threshold: 5,
      cpu_for: 120,
      interval: 30,
      anomaly_threshold: 4.5,
      anomaly_confirm: 2,
    });
    expect(defaults.rules).toEqual([...AnalysisRuleNames]);
    expect(analysisActive(defaults)).toBe(false);
    const on = parseRecoveryConfig({ 'analysis.prometheus_url': 'http://prometheus:9090' }).analysis;
    expect(analysisActive(on)).toBe(true);
    expect(analysisActive({ ...on, enabled: false })).toBe(false);
  });

  test('every default query passes the shape check', () => {
    for (const key of Object.keys(defaults).filter((k) => k.endsWith('_query')))
      expect({ key, problem: promqlShapeProblem(defaults[key as 'cpu_query']) }).toEqual({
        key,
        problem: undefined,
      });
  });

  test('thresholds and queries are read from dotted keys', () => {
    const config = parseRecoveryConfig({
      'analysis.cpu_threshold': '72.5',
      'analysis.cpu_for': '0',
      'analysis.cpu_query': '  up  ',
      'analysis.rules': 'cpu, anomaly',
    }).analysis;
    expect(config).toMatchObject({
      cpu_threshold: 72.5,
      cpu_for: 0,
      cpu_query: 'up',
      rules: ['cpu', 'anomaly'],
    });
  });

  test.each([
    ['analysis.cpu_threshold', 'abc', 'expected a finite number'],
    ['analysis.cpu_threshold', 'NaN', 'expected a finite number'],
    ['analysis.error_rate_threshold', '', 'expected a finite number'],
    ['analysis.disk_threshold', '-1', '>=0'],
    ['analysis.memory_threshold', '120', '<=100'],
    ['analysis.response_time_threshold', '-5', '>=0'],
    ['analysis.cpu_query', '', 'empty'],
    ['analysis.memory_query', 'sum(rate(x[5m])', 'unclosed "("'],
    ['analysis.disk_query', 'up{job="a"}}', 'unbalanced "}"'],
    ['analysis.pvc_query', 'up{job="a}', 'unterminated string'],
    ['analysis.rules', 'cpu,foo', 'unknown rule "foo"'],
    ['analysis.prometheus_url', 'prometheus:9090', 'http(s) URL'],
    ['analysis.anomaly_threshold', '1', '>=2'],
    ['analysis.anomaly_baseline', '300', 'at least 22 evaluations'],
    ['analysis.bogus', '1', 'Unrecognized key'],
  ])('%s = %j is rejected at load, naming the key and the value', (key, value, problem) => {
    const issues = issuesOf({ [key]: value });
    const issue = issues.find((i) => i.startsWith(`${key}: `) || i.includes(`"${key.split('.')[1]}"`));
    expect(issue).toBeDefined();
    expect(issue).toContain(problem);
    if (!problem.startsWith('Unrecognized')) expect(issue).toContain(`(got ${JSON.stringify(value)})`);
  });

  test('brackets inside strings and comments do not count', () => {
    expect(promqlShapeProblem('sum(rate(x{path=~"/a(b"}[5m])) # trailing (')).toBeUndefined();
    expect(promqlShapeProblem('count(x) by (a')).toBe('unclosed "(" at position 13');
  });

  test("Prometheus' parser: rejected queries are named per key; an unreachable parser leaves them unchecked", async () => {
    const config = parseRecoveryConfig({
      'analysis.rules': 'cpu,memory,anomaly',
      'analysis.cpu_query': 'rate(x)',
    }).analysis;
    const asked: string[] = [];
    const verdict = await validateQueries(config, {
      parse: (query) => {
        asked.push(query);
        return Promise.resolve(
          query === 'rate(x)' ? { valid: false, error: 'expected type range vector' } : { valid: true },
        );
      },
    });
    expect(asked).toHaveLength(3);
    expect(verdict).toEqual({
      issues: ['analysis.cpu_query: Prometheus rejects it: expected type range vector (got "rate(x)")'],
    });
    const down = await validateQueries(config, {
      parse: () => Promise.reject(new Error('connect ECONNREFUSED')),
    });
    expect(down).toEqual({ issues: [], unchecked: 'connect ECONNREFUSED' });
  });
});
