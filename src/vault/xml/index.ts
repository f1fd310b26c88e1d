export * from './node.js';
export { parseXml, decodeUtf8, MAX_DEPTH, NO_CHILDREN } from './tokenizer.js';
export { serializeXml, escapeXml } from './writer.js';
