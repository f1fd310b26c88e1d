/** Where other programs plug in: git-credential, ssh-add, exec, audit, pick (one file each). */
import type { Command } from 'commander';
import { register as registerGitCredential } from './git-credential.js';
import { register as registerExec } from './exec.js';
import { register as registerAudit } from './audit.js';
import { register as registerSshAdd } from './ssh-add.js';
import { register as registerPick } from './pick.js';

export function register(program: Command): void {
  registerGitCredential(program);
  registerExec(program);
  registerAudit(program);
  registerSshAdd(program);
  registerPick(program);
}
