/**
 * What the Kubernetes adapter reports about its calls: each request's verb, HTTP status and time,
 * and the time calls waited in the client-side limiter. One observer per process (the entrypoint
 * sets it; by default nothing is reported). Watches are long-lived streams outside this: their
 * restarts are counted by the informers.
 */
import type { ApiConstructor, ApiType, HttpLibrary, KubeConfig } from '@kubernetes/client-node';
import { Observable } from '@kubernetes/client-node';

export interface KubernetesCallObserver {
  /** @param code the HTTP status, or `error` when no answer came. */
  request(verb: KubernetesVerb, code: string, seconds: number): void;
  limiterWait(seconds: number): void;
}

export type KubernetesVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'evict'
  | 'other';

let observer: KubernetesCallObserver | undefined;

/** Reports this process's Kubernetes calls to `next` (undefined: to nobody). */
export function observeKubernetesCalls(next: KubernetesCallObserver | undefined): void {
  observer = next;
}

export function observeLimiterWait(seconds: number): void {
  observer?.limiterWait(seconds);
}

/** `makeApiClient(kc, Api)`, with every request reported to the process's observer. */
export function makeApiClient<T extends ApiType>(kc: KubeConfig, Api: ApiConstructor<T>): T {
  function Instrumented(config: ConstructorParameters<ApiConstructor<T>>[0]): T {
    return new Api({ ...config, httpApi: timed(config.httpApi) });
  }
  return kc.makeApiClient(Instrumented as unknown as ApiConstructor<T>);
}

function timed(inner: HttpLibrary): HttpLibrary {
  return {
    send(request) {
      const verb = verbOf(request.getHttpMethod().toString(), request.getUrl());
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      const answer = inner
        .send(request)
        .toPromise()
        .then(
          (response) => {
            observer?.request(verb, String(response.httpStatusCode), seconds());
            return response;
          },
          (error: unknown) => {
            observer?.request(verb, 'error', seconds());
            throw error;
          },
        );
      return new Observable(answer);
    },
  };
}

/**
 * The kubectl verb of a request, from its method and path: `/api/v1/namespaces/ns/pods` is a
 * collection (list, create), `/api/v1/namespaces/ns/pods/web-1` an object (get, update, patch,
 * delete), `.../pods/web-1/eviction` an eviction.
 */
export function verbOf(method: string, url: string): KubernetesVerb {
  const parsed = new URL(url, 'http://kubernetes');
  const segments = parsed.pathname.split('/').filter(Boolean);
  // /api/v1/… or /apis/<group>/<version>/…
  let rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const collection = rest.length <= 1;
  const subresource = rest[2];
  switch (method.toUpperCase()) {
    case 'GET':
      if (parsed.searchParams.get('watch') === 'true' || parsed.searchParams.get('watch') === '1')
        return 'watch';
      return collection ? 'list' : 'get';
    case 'POST':
      return subresource === 'eviction' ? 'evict' : 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return collection ? 'deletecollection' : 'delete';
    default:
      return 'other';
  }
}
