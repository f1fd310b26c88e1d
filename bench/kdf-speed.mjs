// AES-KDF speed: keepassxc-cli tuned the bench vault's rounds to 100 ms (its own
// benchmark); stickvault transforms the same number of rounds, halves on two cores.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stv = (args, input) => execFileSync(process.execPath, [join(root, 'dist', 'stv.js'), ...args], { input, env: { ...process.env, NO_COLOR: '1' } }).toString();
const vault = join(root, 'bench', 'work', 'v10000.kdbx');
const info = JSON.parse(stv(['--json', '--vault', vault, 'info']));
const rounds = info.kdf.rounds;
const runs = [1, 2, 3].map(() => JSON.parse(stv(['__bench-kdf', String(rounds)])));
const ms = Math.min(...runs.map((r) => r.ms));
const withStart = Math.min(...runs.map((r) => r.withStartMs));
process.stdout.write(`AES-KDF: keepassxc-cli tuned ${rounds.toLocaleString('en')} rounds to 100 ms (${Math.round(rounds / 0.1).toLocaleString('en')} rounds/s by its own benchmark); stickvault transforms them in ${ms.toFixed(0)} ms (${Math.round(rounds / (ms / 1000)).toLocaleString('en')} rounds/s, both halves concurrently in two threads started ahead, as the installed command starts them while its modules load; ${withStart.toFixed(0)} ms when the threads are started on demand). One CBC chain per thread runs at AES-NI's latency, where keepassxc-cli interleaves both halves on one core.`);
