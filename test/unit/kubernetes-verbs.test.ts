import { verbOf } from '../../src/activities/kubernetes/api-metrics';

describe('the kubectl verb of a Kubernetes API request', () => {
  test.each([
    ['GET', '/api/v1/nodes', 'list'],
    ['GET', '/api/v1/nodes/sim-node-1', 'get'],
    ['GET', '/api/v1/namespaces', 'list'],
    ['GET', '/api/v1/namespaces/shop', 'get'],
    ['GET', '/api/v1/namespaces/shop/pods', 'list'],
    ['GET', '/api/v1/namespaces/shop/pods/web-1', 'get'],
    ['GET', '/api/v1/namespaces/shop/pods?watch=true&resourceVersion=5', 'watch'],
    ['GET', '/apis/apps/v1/namespaces/shop/deployments/web', 'get'],
    ['GET', '/apis/apps/v1/deployments', 'list'],
    ['POST', '/api/v1/namespaces/shop/events', 'create'],
    ['POST', '/api/v1/namespaces/shop/pods/web-1/eviction', 'evict'],
    ['PUT', '/apis/apps/v1/namespaces/shop/deployments/web', 'update'],
    ['PATCH', '/api/v1/nodes/sim-node-1', 'patch'],
    ['DELETE', '/api/v1/namespaces/shop/pods/web-1', 'delete'],
    ['DELETE', '/api/v1/namespaces/shop/pods', 'deletecollection'],
    ['OPTIONS', '/api/v1/nodes', 'other'],
  ])('%s %s is %s', (method, path, verb) => {
    expect(verbOf(method, `https://127.0.0.1:6443${path}`)).toBe(verb);
  });
});
