export * from './node.js';
export { parseXml, leafText, XmlCursor, decodeUtf8, MAX_DEPTH, NO_CHILDREN, type ParseOptions } from './tokenizer.js';
export { serializeXml, escapeXml, XmlWriter } from './writer.js';
