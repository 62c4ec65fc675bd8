/**
 * Custom search attributes that let the Temporal UI list and filter recoveries,
 * e.g. `SelfHealingKind = 'node' AND SelfHealingPhase = 'Escalated'`.
 * The lab registers them (scripts/lab/temporal-up.sh); an operator registers them once per namespace.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const targetKey = defineSearchAttributeKey('SelfHealingTarget', SearchAttributeType.KEYWORD);
export const kindKey = defineSearchAttributeKey('SelfHealingKind', SearchAttributeType.KEYWORD);
export const phaseKey = defineSearchAttributeKey('SelfHealingPhase', SearchAttributeType.KEYWORD);
export const severityKey = defineSearchAttributeKey('SelfHealingSeverity', SearchAttributeType.KEYWORD);
/** The escalation ladder's highest level reached (1 on-call, 2 manager, 3 director); unset before. */
export const escalationKey = defineSearchAttributeKey('SelfHealingEscalation', SearchAttributeType.INT);

/** Every key the product writes, for registration. */
export const searchAttributeKeys = [targetKey, kindKey, phaseKey, severityKey, escalationKey] as const;
