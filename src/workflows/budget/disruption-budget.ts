/**
 * The cluster-wide disruption budget: a durable semaphore that at most `limit` recoveries hold at
 * once. One execution per scope and task queue (`disruption-budget/<task queue>/nodes`,
 * `…/control-plane`), shared by every worker of that queue. Holders that end without releasing (failed, terminated) are reclaimed.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { BudgetStatus, PermitRequest } from '../messages';
import {
  acquirePermitSignal,
  budgetStatusQuery,
  permitGrantedSignal,
  releasePermitSignal,
  stormSignal,
} from '../messages';

/** How often the budget checks that its holders still run. */
const HOLDER_CHECK_INTERVAL = '5 minutes';

const { closedWorkflows } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '30 seconds' },
});

export interface DisruptionBudgetInput {
  scope: string;
  /** Carried over continue-as-new. */
  state?: Omit<BudgetStatus, 'scope'>;
}

class Budget {
  limit: number;
  readonly holders: string[];
  readonly waiting: PermitRequest[];
  storm: BudgetStatus['storm'];

  constructor(
    readonly scope: string,
    state?: DisruptionBudgetInput['state'],
  ) {
    this.limit = state?.limit ?? 1;
    this.holders = [...(state?.holders ?? [])];
    this.waiting = (state?.waiting ?? []).map((holder) => ({ holder, limit: this.limit }));
    this.storm = state?.storm ?? { active: false, reason: '' };
  }

  request(request: PermitRequest): void {
    this.limit = request.limit;
    if (this.holders.includes(request.holder)) this.regrant.push(request.holder);
    else if (!this.waiting.some((w) => w.holder === request.holder)) this.waiting.push(request);
  }

  release(holder: string): void {
    remove(this.holders, holder);
    const queued = this.waiting.findIndex((w) => w.holder === holder);
    if (queued >= 0) this.waiting.splice(queued, 1);
  }

  /** Holders whose grant must be (re)sent: new grants, and holders that asked again. */
  readonly regrant: string[] = [];

  grantable(): string[] {
    const granted = [...this.regrant];
    this.regrant.length = 0;
    while (!this.storm.active && this.holders.length < this.limit && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (next) {
        this.holders.push(next.holder);
        granted.push(next.holder);
      }
    }
    return granted;
  }

  status(): BudgetStatus {
    return {
      scope: this.scope,
      limit: this.limit,
      holders: [...this.holders],
      waiting: this.waiting.map((w) => w.holder),
      storm: { ...this.storm },
    };
  }
}

function remove(list: string[], item: string): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

export async function disruptionBudgetWorkflow({ scope, state }: DisruptionBudgetInput): Promise<void> {
  const budget = new Budget(scope, state);
  let changed = true;
  const touch = (): void => {
    changed = true;
  };
  setHandler(acquirePermitSignal, (request) => {
    budget.request(request);
    touch();
  });
  setHandler(releasePermitSignal, ({ holder }) => {
    budget.release(holder);
    touch();
  });
  setHandler(stormSignal, (storm) => {
    budget.storm = storm;
    touch();
  });
  setHandler(budgetStatusQuery, () => budget.status());

  while (!workflowInfo().continueAsNewSuggested) {
    if (changed) {
      changed = false;
      for (const holder of budget.grantable()) {
        try {
          await getExternalWorkflowHandle(holder).signal(permitGrantedSignal, {
            scope,
            budget: workflowInfo().workflowId,
          });
        } catch {
          // The holder is gone already: give the permit back.
          budget.release(holder);
          changed = true;
        }
      }
      continue;
    }
    const woke = await condition(() => changed, budget.holders.length > 0 ? HOLDER_CHECK_INTERVAL : '1 day');
    if (!woke && budget.holders.length > 0) {
      for (const closed of await closedWorkflows(budget.holders)) budget.release(closed);
      changed = true;
    }
  }
  await condition(allHandlersFinished);
  const { scope: _scope, ...carried } = budget.status();
  await continueAsNew<typeof disruptionBudgetWorkflow>({ scope, state: carried });
}
