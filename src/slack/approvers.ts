/**
 * Who may answer a recovery from Slack: the users listed by ID, and the members of the listed user
 * groups. Group members are read through `usergroups.users.list` (Tier 2: ~20 calls a minute) and
 * kept for a minute, so a burst of clicks costs one call per group.
 */
import type { Logger } from '../logging';
import { errorText } from '../logging';

export type ApproverVerdict = { allowed: true } | { allowed: false; why: string };

export interface ApproverCheckOptions {
  /** Slack user IDs (U…, W…). */
  users: readonly string[];
  /** Slack user group IDs (S…). */
  groups: readonly string[];
  /** A group's member IDs (the app's `usergroups.users.list`). */
  listMembers(group: string): Promise<string[]>;
  /** How long a group's members are trusted. @default 60000 */
  cacheMs?: number;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
}

/** Decides whether `user` may approve, reject or acknowledge. Never throws. */
export type ApproverCheck = (user: string) => Promise<ApproverVerdict>;

export function createApproverCheck(options: ApproverCheckOptions): ApproverCheck {
  const users = new Set(options.users);
  const cacheMs = options.cacheMs ?? 60_000;
  const now = options.now ?? Date.now;
  /** The members each group had, as a promise so that concurrent clicks share one call. */
  const cache = new Map<string, { members: Promise<Set<string>>; at: number }>();

  function members(group: string): Promise<Set<string>> {
    const cached = cache.get(group);
    if (cached && now() - cached.at < cacheMs) return cached.members;
    const fetched = options.listMembers(group).then((ids) => new Set(ids));
    cache.set(group, { members: fetched, at: now() });
    // A failed lookup is not cached: the next click asks Slack again.
    fetched.catch(() => cache.delete(group));
    return fetched;
  }

  return async (user) => {
    if (users.has(user)) return { allowed: true };
    const failures: string[] = [];
    for (const group of options.groups) {
      try {
        if ((await members(group)).has(user)) return { allowed: true };
      } catch (error) {
        options.logger.warn('slack user group lookup failed', { group, error: errorText(error) });
        failures.push(`${group}: ${slackErrorOf(error)}`);
      }
    }
    if (failures.length > 0)
      return {
        allowed: false,
        why: `your membership of the approver groups could not be checked (${failures.join('; ')})`,
      };
    return { allowed: false, why: 'you are not on the approver list nor in an approver group' };
  };
}

/** Slack's error code (`missing_scope`, `plan_upgrade_required`) or the error's message. */
function slackErrorOf(error: unknown): string {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
