/** The CLI's `<target>`: each kind of target names the workflow of its recovery; a malformed one names what is wrong. */
import { recoveryIdOf, serviceOf } from '../../src/starter/cli/targets';

describe('a command target', () => {
  test.each([
    ['node-7', 'node-recovery/node-7'],
    ['Deployment/shop/web', 'workload-recovery/Deployment/shop/web'],
    ['Service/shop/web', 'service-recovery/shop/web'],
    ['service-recovery/shop/web', 'service-recovery/shop/web'],
    ['analysis/error_rate/service/shop/web', 'analysis/error_rate/service/shop/web'],
  ])('%s is the recovery %s', (target, id) => {
    expect(recoveryIdOf('inspect', target)).toBe(id);
  });

  test('a Service target must be Service/namespace/name', () => {
    expect(serviceOf('recover-service', 'Service/shop/web')).toEqual({ namespace: 'shop', name: 'web' });
    expect(() => serviceOf('recover-service', 'Service/web')).toThrow(
      'recover-service: a Service is Service/namespace/name (got "Service/web")',
    );
    expect(() => serviceOf('recover-service', 'svc/shop/web')).toThrow('(got "svc/shop/web")');
  });
});
