/** What a rollout changed in the pod template, field by field, as `kubectl rollout history` would show. */
import type { TemplateChange } from '../../domain';
import type { TemplateView } from './snapshot';

const json = (value: unknown): string => JSON.stringify(value ?? null);

export function templateChanges(previous: TemplateView, latest: TemplateView): TemplateChange[] {
  const changes: TemplateChange[] = [];
  const before = new Map(previous.containers.map((c) => [c.name, c]));
  for (const c of latest.containers) {
    const old = before.get(c.name);
    if (!old) {
      changes.push({ field: 'other', container: c.name, to: `container ${c.name} added` });
      continue;
    }
    before.delete(c.name);
    if (old.image !== c.image)
      changes.push({ field: 'image', container: c.name, from: old.image, to: c.image });
    for (const field of ['env', 'command', 'args', 'resources'] as const)
      if (json(old[field]) !== json(c[field]))
        changes.push({ field, container: c.name, from: json(old[field]), to: json(c[field]) });
  }
  for (const name of before.keys())
    changes.push({ field: 'other', container: name, from: `container ${name} removed` });
  if (json(previous.imagePullSecrets) !== json(latest.imagePullSecrets))
    changes.push({
      field: 'other',
      from: json(previous.imagePullSecrets),
      to: json(latest.imagePullSecrets),
    });
  return changes;
}
