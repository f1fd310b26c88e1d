/**
 * The installed `git-credential-stv` (dist/git-credential-stv.cjs, built by
 * scripts/build.mjs). `git config credential.helper stv` makes git run
 * `git-credential-stv [OPTIONS] get|store|erase`: that is
 * `stv [OPTIONS] git-credential ACTION`, the action being git's last argument.
 */
process.argv.splice(Math.max(2, process.argv.length - 1), 0, 'git-credential');
// Helpers stv starts (the agent, the clipboard purge) run process.argv[1]: that must be stv itself.
process.argv[1] = `${__dirname}/stv.cjs`;
// The launcher beside this file (scripts/build.mjs keeps the require as it is).
require('./stv.cjs');
