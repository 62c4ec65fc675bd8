/**
 * An informer's LIST in pages (./watch.ts): the apiserver sends at most {@link LIST_PAGE_SIZE}
 * objects a response, and each page is trimmed before the next is asked for.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

/** Objects per page of an informer's LIST. */
export const LIST_PAGE_SIZE = 500;

/** One page of a LIST: at most `limit` objects, from `_continue` (absent on the first page). */
export interface ListPage {
  limit: number;
  _continue?: string;
}

/**
 * A full LIST fetched in pages and trimmed page by page, so that at most one page of untrimmed
 * objects is held at once. Unpaged, a detector's start-up LIST of 15,000 pods held the whole
 * response and its parsed objects (V8 heap ~200 MB, RSS ~400 MB, kept after they were freed;
 * docs/benchmarks/pods.md). A paged LIST is one snapshot: every page has the first page's
 * resourceVersion, which the result carries for the watch.
 */
export async function listInPages<T extends KubernetesObject>(
  list: (page: ListPage) => Promise<KubernetesListObject<T>>,
  trim: (object: T) => T,
  pageSize = LIST_PAGE_SIZE,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let page = await list({ limit: pageSize });
  for (;;) {
    for (const item of page.items ?? []) items.push(trim(item));
    const next = page.metadata?._continue;
    if (!next) return { ...page, items };
    page = await list({ limit: pageSize, _continue: next });
  }
}
