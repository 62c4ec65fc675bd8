/**
 * Parsing the annotations an operator puts on a Service (docs/services.md). Pure: a Service with a
 * bad annotation is skipped and the problem reported naming the annotation and its value, never
 * guessed at.
 */
import type {
  ConnectivityCheck,
  FailoverSpec,
  ScalingBounds,
  Selector,
  ServiceSpec,
  ServiceTarget,
  StatusRange,
} from './service';
import { ServiceAnnotations as A } from './service';

/** A bad annotation: its name, its value as written, and what is wrong with it. */
export interface AnnotationProblem {
  annotation: string;
  value: string;
  problem: string;
}

/** The defaults the annotations override (config `service.*`). */
export interface ServiceDefaults {
  check: ConnectivityCheck;
  scaling: ScalingBounds;
}

type Annotations = Readonly<Record<string, string>>;
type Problems = (annotation: string, problem: string) => void;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Parses the annotations of Service `self`. @returns the spec, or every problem found. */
export function parseServiceSpec(
  self: ServiceTarget,
  annotations: Annotations,
  defaults: ServiceDefaults,
): { spec: ServiceSpec } | { problems: AnnotationProblem[] } {
  const problems: AnnotationProblem[] = [];
  const bad: Problems = (annotation, problem) =>
    problems.push({ annotation, value: annotations[annotation] ?? '', problem });
  const dependencies = parseDependencies(self, annotations[A.dependsOn], bad);
  const check = parseCheck(annotations, defaults.check, bad);
  const failover = parseFailover(annotations, bad);
  const scaling = parseScaling(annotations[A.scaling], defaults.scaling, bad);
  if (problems.length > 0) return { problems };
  return {
    spec: {
      dependencies,
      ...(check ? { check } : {}),
      ...(failover ? { failover } : {}),
      ...(scaling ? { scaling } : {}),
    },
  };
}

/** One line naming each bad annotation and its value, for Events and logs. */
export function describeProblems(problems: readonly AnnotationProblem[]): string {
  return problems.map((p) => `${p.annotation}="${p.value}": ${p.problem}`).join('; ');
}

function parseDependencies(self: ServiceTarget, text: string | undefined, bad: Problems): ServiceTarget[] {
  const dependencies: ServiceTarget[] = [];
  for (const term of splitList(text)) {
    const parts = term.split('/');
    const [namespace, name] = parts.length === 2 ? parts : [self.namespace, parts[0]];
    if (parts.length > 2 || !namespace || !name || !NAME.test(namespace) || !NAME.test(name))
      bad(A.dependsOn, `"${term}" is not a Service name or namespace/name`);
    else if (namespace === self.namespace && name === self.name)
      bad(A.dependsOn, `"${term}" is the Service itself`);
    else if (!dependencies.some((d) => d.namespace === namespace && d.name === name))
      dependencies.push({ namespace, name });
  }
  return dependencies;
}

/** The HTTP check when any check annotation opts the Service in; else none. */
function parseCheck(
  annotations: Annotations,
  defaults: ConnectivityCheck,
  bad: Problems,
): ConnectivityCheck | undefined {
  if (![A.checkPath, A.checkTimeout, A.checkStatus].some((a) => annotations[a] !== undefined))
    return undefined;
  const check = { ...defaults };
  const path = annotations[A.checkPath]?.trim();
  if (path !== undefined) {
    if (!path.startsWith('/') || /\s/.test(path)) bad(A.checkPath, 'expected a path starting with /');
    else check.path = path;
  }
  const timeout = annotations[A.checkTimeout]?.trim();
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    if (timeout === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 60)
      bad(A.checkTimeout, 'expected seconds, more than 0 and at most 60');
    else check.timeoutMs = Math.round(seconds * 1000);
  }
  const status = annotations[A.checkStatus]?.trim();
  if (status !== undefined) {
    const range = parseStatus(status);
    if (!range) bad(A.checkStatus, 'expected an HTTP status (200) or a class (2xx)');
    else check.status = range;
  }
  return check;
}

function parseFailover(annotations: Annotations, bad: Problems): FailoverSpec | undefined {
  const primaryText = annotations[A.failoverPrimary];
  const secondaryText = annotations[A.failoverSecondary];
  if (primaryText === undefined && secondaryText === undefined) return undefined;
  const primary = parseSelector(primaryText);
  const secondary = parseSelector(secondaryText);
  if ('error' in primary) bad(A.failoverPrimary, primary.error);
  if ('error' in secondary) bad(A.failoverSecondary, secondary.error);
  if (!('labels' in primary && 'labels' in secondary)) return undefined;
  if (sameSelector(primary.labels, secondary.labels)) {
    bad(A.failoverSecondary, 'the secondary selects the same pods as the primary');
    return undefined;
  }
  return { primary: primary.labels, secondary: secondary.labels };
}

function parseScaling(
  text: string | undefined,
  defaults: ScalingBounds,
  bad: Problems,
): ScalingBounds | undefined {
  const value = text?.trim();
  if (value === undefined || value === 'false') return undefined;
  const bounds = parseBounds(value, defaults);
  if ('error' in bounds) {
    bad(A.scaling, bounds.error);
    return undefined;
  }
  return bounds;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

function parseStatus(text: string): StatusRange | undefined {
  const cls = /^([1-5])xx$/i.exec(text);
  if (cls) return { min: Number(cls[1]) * 100, max: Number(cls[1]) * 100 + 99 };
  if (!/^[1-5]\d\d$/.test(text)) return undefined;
  return { min: Number(text), max: Number(text) };
}

/** An equality selector (`app=db,role=primary`), or why it is not one. */
export function parseSelector(text: string | undefined): { labels: Selector } | { error: string } {
  const terms = splitList(text);
  if (terms.length === 0) return { error: 'expected a selector like app=db,role=primary' };
  const labels: Selector = {};
  for (const term of terms) {
    const [key, value, ...rest] = term.split('=').map((s) => s.trim());
    const valid = rest.length === 0 && key !== undefined && value !== undefined;
    if (!valid || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value))
      return { error: `"${term}" is not label=value` };
    labels[key] = value;
  }
  return { labels };
}

export function sameSelector(a: Selector, b: Selector): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/** `app=db,role=primary`, keys sorted. */
export function formatSelector(s: Selector): string {
  return Object.keys(s)
    .sort()
    .map((k) => `${k}=${s[k]}`)
    .join(',');
}

function parseBounds(text: string, defaults: ScalingBounds): ScalingBounds | { error: string } {
  if (text === 'true' || text === '') return { ...defaults };
  const bounds = { ...defaults };
  for (const term of splitList(text)) {
    const match = /^(min|max)=(\d+)$/.exec(term);
    if (!match) return { error: `"${term}" is not min=N or max=N (or use "true")` };
    bounds[match[1] as 'min' | 'max'] = Number(match[2]);
  }
  if (bounds.min < 1) return { error: 'min must be at least 1' };
  if (bounds.max < bounds.min) return { error: `max (${bounds.max}) is below min (${bounds.min})` };
  if (bounds.max > 1000) return { error: 'max must be at most 1000' };
  return bounds;
}

/**
 * The first dependency cycle reachable from `start` in `edges` (Service key → its dependencies'
 * keys), as the path that closes it (`a → b → c → a`), or undefined.
 */
export function findCycle(
  start: string,
  edges: Readonly<Record<string, readonly string[]>>,
): string[] | undefined {
  const onPath: string[] = [];
  const done = new Set<string>();
  const visit = (key: string): string[] | undefined => {
    const at = onPath.indexOf(key);
    if (at >= 0) return [...onPath.slice(at), key];
    if (done.has(key)) return undefined;
    onPath.push(key);
    for (const next of edges[key] ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(key);
    return undefined;
  };
  return visit(start);
}
