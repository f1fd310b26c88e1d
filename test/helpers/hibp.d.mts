/** Types of hibp.mjs (plain JavaScript, shared with the benchmark). */
export function writeHibpFile(path: string, o: { lines: number; seed?: number; include?: Map<string, number> }): number;
