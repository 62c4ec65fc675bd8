/** Who runs the CLI, recorded as the one who decides when `--by` is not given. */
import { userInfo } from 'node:os';

/**
 * The OS user name: `$USER` (or `$LOGNAME`), else the account the process runs as; undefined when
 * neither is known (a container running under an arbitrary UID has no passwd entry).
 */
export function osUser(env: Record<string, string | undefined>): string | undefined {
  const named = env.USER?.trim() || env.LOGNAME?.trim();
  if (named) return named;
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}
