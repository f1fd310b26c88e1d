// Test entry: an agent whose queries echo the key fingerprint, built by the test with esbuild.
import { runAgentServer } from '../../src/agent/index.js';

void runAgentServer({
  startupGraceMs: 3000,
  sweepMs: 100,
  async queryHandler(vault, key, query, args) {
    if (query === 'fail') throw Object.assign(new Error('entry not found'), { kind: 'not-found' });
    return { vault, fingerprint: key.kdfFingerprint, query, args, keyLength: key.transformed.length };
  },
});
