/**
 * Commands of the other modules. Each registration is cheap (no module
 * code runs until the command does).
 */
import type { Command } from 'commander';
import { register as registerConfig } from './config.js';
import { register as registerCompletion } from './completion.js';
import { register as registerHelp } from './help.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerMan } from './man.js';
import { register as registerInternal } from './internal.js';
import { register as registerGen } from './gen.js';
import { register as registerClip } from './clip.js';
import { register as registerAlias } from './alias.js';
import { register as registerSync } from './sync.js';
import { register as registerReplica } from './replica.js';
import { register as registerGit } from './git.js';
import { register as registerHistory } from './history.js';
import { register as registerIntegrations } from './integrations.js';

export function registerOptional(program: Command): void {
  registerGen(program);
  registerClip(program);
  registerAlias(program);
  registerSync(program);
  registerReplica(program);
  registerGit(program);
  registerHistory(program);
  registerIntegrations(program);
  registerConfig(program);
  registerCompletion(program);
  registerHelp(program);
  registerDoctor(program);
  registerMan(program);
  registerInternal(program);
}
