/**
 * The commands that may open a vault with its key (so may run the AES-KDF):
 * for these the installed launcher starts the chain workers while the modules
 * load (src/cli/launcher.ts). A command missing here still works, only its
 * first AES-KDF starts its threads ~30 ms later. Not sync: most syncs copy
 * without the key (and a merge then starts the threads itself).
 */
export const KEY_COMMANDS: readonly string[] = ['ls', 'show', 'find', 'clip', 'totp', 'edit', 'add', 'rm', 'mv', 'mkdir', 'rmdir', 'merge', 'export', 'unlock', 'shell', 'passwd', 'upgrade', 'import', 'attachment', 'alias', 'history', 'restore', 'conflicts', 'resolve', 'git-credential', 'ssh-add', 'exec', 'audit', 'pick', 'replica', 'merge-driver', 'git'];
