export * from './node.js';
export { parseXml, decodeUtf8, MAX_DEPTH, NO_CHILDREN, type ParseOptions } from './tokenizer.js';
export { serializeXml, escapeXml } from './writer.js';
