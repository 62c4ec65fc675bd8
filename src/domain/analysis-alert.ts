/**
 * An analysis finding no recovery applies to becomes a routed alert: one workflow per rule and
 * target (a repeated finding joins it), open while the finding holds, so its Slack card, email
 * and PagerDuty incident follow the finding and are resolved when it clears.
 */
import type { AnalysisFinding } from './analysis/finding';
import type { HumanLoopPolicy } from './notification';

export interface AnalysisAlertInput {
  finding: AnalysisFinding;
  /** ISO-8601: when the detector reported it. */
  detectedAt: string;
  /** Seconds the alert stays open while the finding holds; then it ends, and a finding still there starts a new one. */
  openFor: number;
  dryRun?: boolean;
  humans?: HumanLoopPolicy;
}

export type AnalysisAlertOutcome = 'cleared' | 'expired';

export interface AnalysisAlertResult {
  rule: string;
  target: string;
  outcome: AnalysisAlertOutcome;
  actions: string[];
}
