/**
 * The worker's recovery metrics, fed by the workflows' sink (not called on replay). False
 * positives: a recovery that ended with nothing done because the target healed, and an approval a
 * human rejected.
 */
import type { InjectedSinks } from '@temporalio/worker';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RecoveryMetricsSinks } from '../workflows/sinks';
import { EscalationLevels, TargetKinds } from '../domain';
import { LONG_SECONDS } from './registry';

/** How an analysis finding's alert ends. */
const AlertOutcomes = ['cleared', 'expired'];
/** Every outcome a recovery of any kind ends with. */
const RecoveryOutcomes = [
  'recovered',
  'replaced',
  'healed',
  'gone',
  'skipped',
  'stopped',
  'reported',
  'escalated',
];

export function recoveryMetricsSinks(registry: Registry): InjectedSinks<RecoveryMetricsSinks> {
  const registers = [registry];
  const started = new Counter({
    name: 'self_healing_recoveries_started_total',
    help: 'Recoveries that began, by kind.',
    labelNames: ['kind'],
    registers,
  });
  const finished = new Counter({
    name: 'self_healing_recoveries_finished_total',
    help: "Recoveries that ended, by kind and the result's outcome.",
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'self_healing_recovery_duration_seconds',
    help: 'Time from the detection to the end of a recovery (MTTR), by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    buckets: LONG_SECONDS,
    registers,
  });
  const falsePositives = new Counter({
    name: 'self_healing_false_positives_total',
    help: 'Detections that needed nothing: the target healed by itself, a human rejected the action, a flap was suppressed.',
    labelNames: ['kind', 'reason'],
    registers,
  });
  const humanWait = new Histogram({
    name: 'self_healing_human_wait_seconds',
    help: 'Time a recovery waited for a human, by how the wait ended.',
    labelNames: ['kind', 'answer'],
    buckets: LONG_SECONDS,
    registers,
  });
  const escalations = new Counter({
    name: 'self_healing_escalations_total',
    help: 'Escalation-ladder levels reached (1 on-call, 2 manager, 3 director).',
    labelNames: ['kind', 'level'],
    registers,
  });
  // Every known series from 0, so a first increment shows in rate() and increase().
  for (const kind of TargetKinds) {
    started.inc({ kind }, 0);
    for (const outcome of kind === 'analysis' ? AlertOutcomes : RecoveryOutcomes)
      finished.inc({ kind, outcome }, 0);
    for (const level of EscalationLevels) escalations.inc({ kind, level: String(level) }, 0);
    for (const reason of ['target_healed', 'approval_rejected']) falsePositives.inc({ kind, reason }, 0);
  }
  return {
    recoveryMetrics: {
      started: { fn: (_info, kind) => started.inc({ kind }), callDuringReplay: false },
      finished: {
        fn: (_info, kind, outcome, seconds) => {
          finished.inc({ kind, outcome });
          duration.observe({ kind, outcome }, seconds);
          if (outcome === 'healed') falsePositives.inc({ kind, reason: 'target_healed' });
        },
        callDuringReplay: false,
      },
      humanAnswered: {
        fn: (_info, kind, answer, seconds) => {
          humanWait.observe({ kind, answer }, seconds);
          if (answer === 'rejected') falsePositives.inc({ kind, reason: 'approval_rejected' });
        },
        callDuringReplay: false,
      },
      escalated: {
        fn: (_info, kind, level) => escalations.inc({ kind, level: String(level) }),
        callDuringReplay: false,
      },
    },
  };
}
