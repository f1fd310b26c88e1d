/** `stv exec`: secrets for programs as files or on stdin, never in argv or the environment. */
export { runWithSecrets, checkName, checkCommand, type RunOptions, type SecretValue } from './run.js';
export { secretRoot, sweepLeftovers, type SecretRoot } from './files.js';
export { runWatchdog } from './watchdog.js';
