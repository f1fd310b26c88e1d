/**
 * XML the model keeps without modelling it: elements of entries, groups,
 * times, Meta and the document that stickvault does not act on (a newer
 * program's fields, AutoType), written back as they were read. The model
 * only holds and moves these values; vault/format alone makes them and
 * looks inside (format/unmodelled.ts), so the model does not depend on the
 * XML tree.
 */
declare const unmodelled: unique symbol;

export interface UnmodelledXml {
  readonly [unmodelled]: true;
}
