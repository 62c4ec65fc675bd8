/**
 * A routed alert for an analysis finding no recovery applies to. One execution per rule and
 * target (deterministic ID): the detector starts it, or signals the running one, with each new
 * observation, and signals `Ready` when the finding clears. The alert goes out through the human
 * loop (Slack card, email, PagerDuty by level); when the finding clears the card says so and the
 * PagerDuty incident is resolved. An alert open longer than `openFor` ends (`expired`); if the
 * finding still holds, the detector's next observation opens a new one.
 */
import { ApplicationFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AnalysisAlertInput, AnalysisAlertResult, AnalysisFinding } from '../../domain';
import { describeTarget } from '../../domain';
import { evidenceSignal, statusQuery } from '../messages';
import { HumanLoop } from '../shared/humans';
import { recoveryMetrics, secondsSince } from '../shared/metrics';
import { enterPhase } from '../shared/progress';
import { RecoveryState } from '../shared/recovery-state';

export async function analysisAlertWorkflow(input: AnalysisAlertInput): Promise<AnalysisAlertResult> {
  const finding = validated(input);
  const target = describeTarget(finding.target);
  const detection = { observedAt: input.detectedAt, reason: finding.type, message: finding.summary };
  const state = new RecoveryState('analysis', target, input.dryRun ?? false, detection);
  state.severity = finding.severity;
  setHandler(statusQuery, () => state.status({ blockingPdbs: [] }));
  setHandler(evidenceSignal, (evidence) => state.addEvidence(evidence));
  recoveryMetrics.started('analysis');

  const humans = new HumanLoop(state, workflowInfo().workflowId, input.humans);
  enterPhase(state, 'Detected', `${finding.rule}: ${finding.summary}`);
  state.record(`alerted: ${finding.summary}`);
  humans.alert(finding.severity, `${title(finding)} on ${target}`, detail(finding));

  const cleared = await condition(() => state.reportedReady, input.openFor * 1000);
  const outcome = cleared ? 'cleared' : 'expired';
  if (cleared) {
    enterPhase(state, 'Recovered', `${finding.rule} on ${target} cleared`);
    state.record('the finding cleared');
  } else {
    enterPhase(state, 'Stopped', `still firing after ${input.openFor} s; a new alert opens if it persists`);
    state.record(`closed after ${input.openFor} s open`);
  }
  recoveryMetrics.finished('analysis', outcome, secondsSince(input.detectedAt));
  await humans.closeOut();
  return { rule: finding.rule, target, outcome, actions: [...state.actions] };
}

function validated(input: AnalysisAlertInput): AnalysisFinding {
  const finding = input?.finding;
  if (!finding?.rule || !finding.target?.name || !finding.type)
    throw ApplicationFailure.nonRetryable(
      `input.finding is incomplete: ${JSON.stringify(finding)}`,
      'InvalidInput',
    );
  if (!(input.openFor > 0))
    throw ApplicationFailure.nonRetryable(
      `input.openFor must be positive (got ${input.openFor})`,
      'InvalidInput',
    );
  return finding;
}

const TITLES: Record<AnalysisFinding['type'], string> = {
  threshold: 'Threshold exceeded',
  anomaly: 'Anomaly',
  exhaustion: 'Running out',
  cascade: 'Cascading failure',
  partition: 'Zone lost',
  storage: 'Storage problem',
};

function title(finding: AnalysisFinding): string {
  return `${TITLES[finding.type]} (${finding.rule})`;
}

/** The evidence as lines: the value against its threshold or baseline, since when, the query. */
function detail(finding: AnalysisFinding): string {
  const { evidence } = finding;
  const lines = [finding.summary, `value: ${evidence.value}`];
  if (evidence.threshold !== undefined) lines.push(`threshold: ${evidence.threshold}`);
  if (evidence.baseline && 'median' in evidence.baseline)
    lines.push(`baseline: median ${evidence.baseline.median}, scale ${evidence.baseline.scale}`);
  if (evidence.since) lines.push(`since: ${evidence.since}`);
  if (evidence.members?.length) lines.push(`members: ${evidence.members.join(', ')}`);
  if (evidence.query) lines.push(`query: ${evidence.query}`);
  return lines.join('\n');
}
