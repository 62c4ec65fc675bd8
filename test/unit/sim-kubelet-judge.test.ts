/**
 * The sim kubelet's rules as pure functions: the registry's parsing and errors, memory quantities,
 * and the verdict on a pod spec (tools/sim/kubelet). The lab suite test/lab/sim-kubelet.test.ts
 * proves the same rules end to end.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ConfigLookup } from '../../tools/sim/kubelet/config-refs';
import { judgePod } from '../../tools/sim/kubelet/judge';
import { parseQuantity } from '../../tools/sim/kubelet/quantity';
import { parseRegistry } from '../../tools/sim/kubelet/registry';

const registry = parseRegistry(
  {
    'a.yaml': `
- image: registry.lab/web:1
  memory: 64Mi
- image: registry.lab/web:2
  exitCode: 2
  logs: [panic]
`,
  },
  (m) => {
    throw new Error(m);
  },
);
const none: ConfigLookup = { secretData: () => undefined, configMapData: () => undefined };

function pod(...containers: Partial<V1Container>[]): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'shop' },
    spec: { containers: containers.map((c, i) => ({ name: `c${i}`, ...c })) },
  };
}

test('quantities turn into bytes, and a bad one names the field and the value', () => {
  expect(parseQuantity('300Mi', 'x')).toBe(300 * 2 ** 20);
  expect(parseQuantity('1G', 'x')).toBe(1e9);
  expect(parseQuantity('1e3', 'x')).toBe(1000);
  expect(() => parseQuantity('lots', 'memory of registry.lab/a:1')).toThrow(
    'memory of registry.lab/a:1: "lots"',
  );
});

test('a bad registry entry is reported with its key, index and field, and left out', () => {
  const errors: string[] = [];
  const parsed = parseRegistry(
    { 'b.yaml': '- image: registry.lab/x:1\n  exitCode: many\n- image: docker.io/y:1' },
    (m) => errors.push(m),
  );
  expect(parsed.size).toBe(0);
  expect(errors[0]).toContain(
    'key b.yaml entry 1 (registry.lab/x:1): exitCode must be an integer 0-255, got "many"',
  );
  expect(errors[1]).toContain('entry 2: image must be a string starting with "registry.lab/"');
});

test('other registries are not judged; known good images run', () => {
  expect(judgePod(pod({ image: 'nginx:1' }), registry, none)).toBeUndefined();
  expect(judgePod(pod({ image: 'registry.lab/web:1' }), registry, none)?.reason).toBe('Run');
});

test('pull, config, memory and crash, in the order a kubelet meets them', () => {
  expect(judgePod(pod({ image: 'registry.lab/nope:1' }), registry, none)).toMatchObject({
    reason: 'ErrImagePull',
    message: 'failed to pull and unpack image "registry.lab/nope:1": not found',
  });
  const secretRef = { name: 'DB', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } };
  expect(judgePod(pod({ image: 'registry.lab/web:2', env: [secretRef] }), registry, none)).toMatchObject({
    reason: 'CreateContainerConfigError',
    message: 'secret "db-creds" not found',
  });
  const noKey: ConfigLookup = { secretData: () => ({ user: 'x' }), configMapData: () => undefined };
  expect(judgePod(pod({ image: 'registry.lab/web:1', env: [secretRef] }), registry, noKey)?.message).toBe(
    "couldn't find key password in Secret shop/db-creds",
  );
  const optional = {
    ...secretRef,
    valueFrom: { secretKeyRef: { ...secretRef.valueFrom.secretKeyRef, optional: true } },
  };
  expect(judgePod(pod({ image: 'registry.lab/web:1', env: [optional] }), registry, none)?.reason).toBe('Run');
  expect(
    judgePod(
      pod({ image: 'registry.lab/web:1', envFrom: [{ configMapRef: { name: 'cfg' } }] }),
      registry,
      none,
    )?.message,
  ).toBe('configmap "cfg" not found');

  const small = { limits: { memory: '32Mi' } };
  expect(judgePod(pod({ image: 'registry.lab/web:1', resources: small }), registry, none)).toMatchObject({
    reason: 'OOMKilled',
    exitCode: 137,
  });
  const override = [{ name: 'SIM_MEMORY_NEED', value: '16Mi' }];
  expect(
    judgePod(pod({ image: 'registry.lab/web:1', resources: small, env: override }), registry, none)?.reason,
  ).toBe('Run');
  expect(judgePod(pod({ image: 'registry.lab/web:2' }), registry, none)).toMatchObject({
    reason: 'Error',
    exitCode: 2,
    logs: [{ container: 'c0', lines: ['panic'] }],
  });
  // The worst container wins: a pull failure keeps the pod Pending even next to a crashing one.
  expect(
    judgePod(pod({ image: 'registry.lab/web:2' }, { image: 'registry.lab/nope:1' }), registry, none),
  ).toMatchObject({
    reason: 'ErrImagePull',
    container: 'c1',
  });
});
