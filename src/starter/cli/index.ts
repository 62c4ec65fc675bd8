/** The operator CLI (`self-healing <command>`), one file per group of commands. */
export { runCli } from './program';
export type { CliDeps } from './context';
export { osUser } from './os-user';
export { RecoveryFinishedError, RecoveryNotFoundError, UpdateRejectedError, UsageError } from './errors';
