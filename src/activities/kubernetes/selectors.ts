/** LabelSelectors, evaluated as the API server does (a PodDisruptionBudget's selector, say). */
import type { V1LabelSelectorRequirement, V1LabelSelector } from '@kubernetes/client-node';

/** True when the selector selects these labels, as the API server evaluates a LabelSelector. */
export function selectorMatches(
  selector: V1LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  // A missing selector selects nothing; an empty one selects everything (policy/v1 semantics).
  if (!selector) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  if (!matchLabels.every(([key, value]) => labels[key] === value)) return false;
  return (selector.matchExpressions ?? []).every((requirement) => requirementMatches(requirement, labels));
}

function requirementMatches(
  { key, operator, values = [] }: V1LabelSelectorRequirement,
  labels: Record<string, string>,
): boolean {
  const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
  switch (operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      return false;
  }
}
