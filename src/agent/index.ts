/** The unlock agent: protocol, server and client (what runs the queries on a vault is src/agent-host). */
export { PROTOCOL_VERSION, MAX_FRAME, MAX_REQUEST_FRAME, KEY_BYTES, encodeFrame, decodeBody, FrameReader, validateRequest, type Request, type Response, type VaultStatus, type QueryArgs, type Results } from './protocol.js';
export { runAgentServer, socketPath, MAX_CONNECTIONS, DEFAULT_HARD_CAP_SECONDS, type QueryHandler, type AgentOptions } from './server.js';
export { agentClient, isAgentRunning, ensureAgentRunning, request, AgentError } from './client.js';
export { newDeadline, touch, expired, secondsLeft, systemClock, type Deadline, type Clock } from './timer.js';
export { QUERY_OPS, isQueryOp, queryArgsFrom, queryArgsToWire, type QueryOp, type QueryArgs as VaultQueryArgs } from './query-args.js';
export { peerCred, peerCredSupported, peerIsMe, type PeerCred } from './peer-cred.js';
export * as agentLink from './link.js';
export { readVault, readFields, type Ask, type VaultReads, type FieldSpec, type FieldValue } from './reads.js';
