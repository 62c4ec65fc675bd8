/**
 * Parsing a Service's annotations (src/domain/service-annotations.ts): defaults, overrides, every
 * bad value named with its annotation, failover selectors, scaling bounds, dependency cycles.
 */
import type { ServiceDefaults } from '../../src/domain';
import {
  describeProblems,
  findCycle,
  formatSelector,
  parseSelector,
  parseServiceSpec,
  ServiceAnnotations as A,
} from '../../src/domain';

const self = { namespace: 'shop', name: 'web' };
const defaults: ServiceDefaults = {
  check: { path: '/healthz', timeoutMs: 2000, status: { min: 200, max: 299 } },
  scaling: { min: 1, max: 10 },
};

const parse = (annotations: Record<string, string>) => parseServiceSpec(self, annotations, defaults);
const specOf = (annotations: Record<string, string>) => {
  const parsed = parse(annotations);
  if (!('spec' in parsed)) throw new Error(describeProblems(parsed.problems));
  return parsed.spec;
};
const problemsOf = (annotations: Record<string, string>) => {
  const parsed = parse(annotations);
  return 'problems' in parsed ? parsed.problems : [];
};

describe('parseServiceSpec', () => {
  it('takes nothing for granted: no dependencies, no HTTP check (it may not speak HTTP), no failover, no scaling', () => {
    expect(specOf({})).toEqual({ dependencies: [] });
  });

  it('opts in to the HTTP check with any check annotation, the others from the defaults', () => {
    expect(specOf({ [A.checkPath]: '/ready' }).check).toEqual({ ...defaults.check, path: '/ready' });
    expect(specOf({ [A.checkStatus]: '2xx' }).check).toEqual({
      ...defaults.check,
      status: { min: 200, max: 299 },
    });
  });

  it('reads dependencies as names in the same namespace or namespace/name, each once', () => {
    expect(specOf({ [A.dependsOn]: ' db, auth/tokens ,db,, cache ' }).dependencies).toEqual([
      { namespace: 'shop', name: 'db' },
      { namespace: 'auth', name: 'tokens' },
      { namespace: 'shop', name: 'cache' },
    ]);
  });

  it('refuses a dependency on itself, or one that is not a name', () => {
    expect(problemsOf({ [A.dependsOn]: 'web' })).toEqual([
      { annotation: A.dependsOn, value: 'web', problem: '"web" is the Service itself' },
    ]);
    expect(problemsOf({ [A.dependsOn]: 'shop/web' })).toHaveLength(1);
    for (const bad of ['Db', 'a/b/c', '/db', 'db_1'])
      expect(problemsOf({ [A.dependsOn]: bad }).map((p) => p.annotation)).toEqual([A.dependsOn]);
  });

  it('overrides the check: path, timeout in seconds, a status code or class', () => {
    expect(
      specOf({ [A.checkPath]: '/ready', [A.checkTimeout]: '0.5', [A.checkStatus]: '3xx' }).check,
    ).toEqual({ path: '/ready', timeoutMs: 500, status: { min: 300, max: 399 } });
    expect(specOf({ [A.checkStatus]: '204' }).check?.status).toEqual({ min: 204, max: 204 });
  });

  it('names every bad check value at once', () => {
    const problems = problemsOf({
      [A.checkPath]: 'healthz',
      [A.checkTimeout]: '61',
      [A.checkStatus]: '600',
    });
    expect(problems.map((p) => [p.annotation, p.value])).toEqual([
      [A.checkPath, 'healthz'],
      [A.checkTimeout, '61'],
      [A.checkStatus, '600'],
    ]);
    expect(problemsOf({ [A.checkTimeout]: '' })).toHaveLength(1);
    expect(problemsOf({ [A.checkTimeout]: '0' })).toHaveLength(1);
    expect(problemsOf({ [A.checkPath]: '/a b' })).toHaveLength(1);
  });

  it('reads failover as two equality selectors that differ', () => {
    expect(
      specOf({ [A.failoverPrimary]: 'app=db,role=primary', [A.failoverSecondary]: 'app=db-standby' })
        .failover,
    ).toEqual({ primary: { app: 'db', role: 'primary' }, secondary: { app: 'db-standby' } });
    expect(problemsOf({ [A.failoverPrimary]: 'app=db' }).map((p) => p.annotation)).toEqual([
      A.failoverSecondary,
    ]);
    expect(
      problemsOf({ [A.failoverPrimary]: 'role=p,app=db', [A.failoverSecondary]: 'app=db, role=p' }),
    ).toEqual([
      {
        annotation: A.failoverSecondary,
        value: 'app=db, role=p',
        problem: 'the secondary selects the same pods as the primary',
      },
    ]);
    expect(problemsOf({ [A.failoverPrimary]: 'app in (db)', [A.failoverSecondary]: 'app=x' })).toHaveLength(
      1,
    );
  });

  it('reads scaling as opted in with the defaults, or bounds within them', () => {
    expect(specOf({ [A.scaling]: 'true' }).scaling).toEqual({ min: 1, max: 10 });
    expect(specOf({ [A.scaling]: 'max=4' }).scaling).toEqual({ min: 1, max: 4 });
    expect(specOf({ [A.scaling]: 'min=2, max=3' }).scaling).toEqual({ min: 2, max: 3 });
    expect(specOf({ [A.scaling]: 'false' }).scaling).toBeUndefined();
    for (const bad of ['min=0', 'min=5,max=2', 'max=1001', 'yes', 'min=-1'])
      expect(problemsOf({ [A.scaling]: bad }).map((p) => p.annotation)).toEqual([A.scaling]);
  });

  it('describes problems on one line, naming annotation and value', () => {
    expect(describeProblems(problemsOf({ [A.checkTimeout]: 'soon', [A.scaling]: 'max=0' }))).toBe(
      `${A.checkTimeout}="soon": expected seconds, more than 0 and at most 60; ${A.scaling}="max=0": max (0) is below min (1)`,
    );
  });
});

describe('selectors', () => {
  it('parses label=value terms and formats them sorted', () => {
    expect(parseSelector('role=primary, app=db')).toEqual({ labels: { role: 'primary', app: 'db' } });
    expect(formatSelector({ role: 'primary', app: 'db' })).toBe('app=db,role=primary');
    expect(parseSelector('app.kubernetes.io/name=db')).toEqual({
      labels: { 'app.kubernetes.io/name': 'db' },
    });
    expect(parseSelector('')).toHaveProperty('error');
    expect(parseSelector('app=a=b')).toHaveProperty('error');
    expect(parseSelector('app')).toHaveProperty('error');
  });
});

describe('findCycle', () => {
  it('names the cycle reachable from the start, and none in a diamond', () => {
    expect(findCycle('a', { a: ['b'], b: ['c'], c: ['a'] })).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle('a', { a: ['b'], b: ['c'], c: ['b'] })).toEqual(['b', 'c', 'b']);
    expect(findCycle('a', { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] })).toBeUndefined();
    expect(findCycle('a', {})).toBeUndefined();
  });
});
