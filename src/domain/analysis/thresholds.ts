/**
 * Threshold rules with a minimum duration, as Prometheus' `for`: a target fires once its value has
 * been at or above the threshold (`>=`: "fire at the value and not below it") at every evaluation
 * for at least `forMs`, counted from the first evaluation that saw it breach. A NaN or infinite
 * value, a value below the threshold, or a target missing from an evaluation (its series went
 * stale or vanished) resets the count and clears a firing target. Nothing here reads a clock: the
 * caller passes `now`.
 */

/** One rule as the tracker needs it. */
export interface ThresholdRule {
  /** The configured name, e.g. `cpu`. */
  name: string;
  threshold: number;
  /** Minimum duration in ms; 0 fires at the first breaching evaluation. */
  forMs: number;
}

/** A change of one target's state under one rule. */
export type ThresholdTransition =
  | { type: 'fired'; rule: string; key: string; value: number; since: number }
  | { type: 'cleared'; rule: string; key: string };

interface Breach {
  since: number;
  firing: boolean;
  value: number;
}

/** True when `value` breaches: finite and at or above the threshold. */
export function breaches(value: number, threshold: number): boolean {
  return Number.isFinite(value) && value >= threshold;
}

/** "Breaching since" per rule × target; one instance per engine. */
export class ThresholdTracker {
  private readonly byRule = new Map<string, Map<string, Breach>>();

  /**
   * Feeds one evaluation of `rule`: every target's value, by target key. Targets absent from
   * `values` reset. @returns the targets that fired or cleared at this evaluation.
   */
  observe(rule: ThresholdRule, values: ReadonlyMap<string, number>, now: number): ThresholdTransition[] {
    const state = this.byRule.get(rule.name) ?? new Map<string, Breach>();
    this.byRule.set(rule.name, state);
    const transitions: ThresholdTransition[] = [];
    for (const [key, breach] of state)
      if (!breaches(values.get(key) ?? NaN, rule.threshold)) {
        state.delete(key);
        if (breach.firing) transitions.push({ type: 'cleared', rule: rule.name, key });
      }
    for (const [key, value] of values) {
      if (!breaches(value, rule.threshold)) continue;
      const breach = state.get(key) ?? { since: now, firing: false, value };
      breach.value = value;
      state.set(key, breach);
      if (!breach.firing && now - breach.since >= rule.forMs) {
        breach.firing = true;
        transitions.push({ type: 'fired', rule: rule.name, key, value, since: breach.since });
      }
    }
    return transitions;
  }

  /** Drops a rule's state (the rule was removed from config); @returns the keys that were firing. */
  forget(rule: string): string[] {
    const state = this.byRule.get(rule);
    this.byRule.delete(rule);
    return state ? [...state].filter(([, b]) => b.firing).map(([key]) => key) : [];
  }

  /** Targets firing now, by rule. */
  firing(): { rule: string; key: string; since: number; value: number }[] {
    return [...this.byRule].flatMap(([rule, state]) =>
      [...state]
        .filter(([, b]) => b.firing)
        .map(([key, b]) => ({ rule, key, since: b.since, value: b.value })),
    );
  }
}
