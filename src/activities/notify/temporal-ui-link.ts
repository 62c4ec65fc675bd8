/**
 * The link every notification carries to the recovery's page in the Temporal Web UI, so a human
 * goes from an email or a PagerDuty incident straight to the workflow's history.
 */

/**
 * `${uiBaseUrl}/namespaces/<namespace>/workflows/<workflowId>`, both path segments URL-encoded
 * (workflow IDs hold `/`, e.g. `node-recovery/worker-3`).
 * @param uiBaseUrl e.g. `http://localhost:8233`; a trailing slash is ignored.
 */
export function workflowUiUrl(uiBaseUrl: string, namespace: string, workflowId: string): string {
  const base = uiBaseUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
