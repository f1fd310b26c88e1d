// Test entry: an agent whose queries echo the key fingerprint, built by the test with esbuild.
import { runAgentServer } from '../../src/agent/index.js';
import { NotFoundError } from '../../src/errors/index.js';

void runAgentServer({
  startupGraceMs: 3000,
  sweepMs: 100,
  async queryHandler(vault, key, query, args) {
    if (query === 'fail') throw new NotFoundError('entry not found');
    return { vault, fingerprint: key.kdfFingerprint, query, args, keyLength: key.transformed.length };
  },
});
