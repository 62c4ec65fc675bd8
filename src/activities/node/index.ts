/** The activities of node recovery, over the ports each one uses. */
import type { ClusterPort } from '../ports';
import { createCordonActivities } from './cordon';
import type { DrainActivityDeps } from './drain';
import { createDrainActivity } from './drain';
import { createPressureActivities } from './pressure';
import type { ReplaceDeps } from './replace';
import { createReplaceActivity } from './replace';
import { createVerifyActivity } from './verify';

export type NodeActivityDeps = DrainActivityDeps & ReplaceDeps & { cluster: ClusterPort };

export function createNodeActivities(deps: NodeActivityDeps) {
  return {
    ...createCordonActivities(deps),
    ...createDrainActivity(deps),
    ...createPressureActivities(deps),
    ...createReplaceActivity(deps),
    ...createVerifyActivity(deps),
  };
}

export type * from './types';
export { NOT_READY_YET } from './verify';
export { pressureEvictionOrder } from './pressure-order';
