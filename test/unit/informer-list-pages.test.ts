import type { KubernetesListObject, V1Pod } from '@kubernetes/client-node';
import type { ListPage } from '../../src/activities/kubernetes/list-pages';
import { listInPages } from '../../src/activities/kubernetes/list-pages';

/** A fake apiserver holding `count` pods: answers LIST pages as the real one does (same resourceVersion). */
function fakeList(count: number) {
  const calls: ListPage[] = [];
  const events: string[] = [];
  const list = (page: ListPage): Promise<KubernetesListObject<V1Pod>> => {
    calls.push(page);
    events.push(`page ${calls.length}`);
    const from = page._continue ? Number(page._continue) : 0;
    const to = Math.min(count, from + page.limit);
    const items = Array.from({ length: to - from }, (_, i) => ({
      metadata: { name: `pod-${from + i}`, namespace: 'shop', annotations: { big: 'x'.repeat(100) } },
    }));
    return Promise.resolve({
      apiVersion: 'v1',
      kind: 'PodList',
      metadata: { resourceVersion: '42', ...(to < count ? { _continue: String(to) } : {}) },
      items,
    });
  };
  return { list, calls, events };
}

const trimmer = (events: string[]) => (pod: V1Pod) => {
  events.push(`trim ${pod.metadata?.name}`);
  return { metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace } };
};

test('a LIST is fetched in pages of the given size, following the continue token', async () => {
  const api = fakeList(1_203);
  const result = await listInPages(api.list, trimmer(api.events), 500);
  expect(api.calls).toEqual([
    { limit: 500 },
    { limit: 500, _continue: '500' },
    { limit: 500, _continue: '1000' },
  ]);
  expect(result.items).toHaveLength(1_203);
  expect(result.items[1_202]?.metadata?.name).toBe('pod-1202');
  // The snapshot's resourceVersion, for the watch to resume from; no continue token left.
  expect(result.metadata?.resourceVersion).toBe('42');
  expect(result.metadata?._continue).toBeUndefined();
});

test('each page is trimmed before the next one is asked for', async () => {
  const api = fakeList(4);
  const result = await listInPages(api.list, trimmer(api.events), 2);
  expect(api.events).toEqual(['page 1', 'trim pod-0', 'trim pod-1', 'page 2', 'trim pod-2', 'trim pod-3']);
  expect(result.items.every((pod) => pod.metadata?.annotations === undefined)).toBe(true);
});

test('a small or empty LIST is one request', async () => {
  const api = fakeList(0);
  const result = await listInPages(api.list, trimmer(api.events));
  expect(api.calls).toEqual([{ limit: 500 }]);
  expect(result.items).toEqual([]);
});
