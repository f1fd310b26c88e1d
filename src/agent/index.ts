/** The unlock agent: protocol, server and client. */
export { PROTOCOL_VERSION, MAX_FRAME, encodeFrame, FrameReader, type Request, type Response, type VaultStatus } from './protocol.js';
export { runAgentServer, socketPath, type QueryHandler, type AgentOptions } from './server.js';
export { agentClient, isAgentRunning, ensureAgentRunning, request, AgentError } from './client.js';
export { newDeadline, touch, expired, secondsLeft, type Deadline } from './timer.js';
