/** Strength estimates (zxcvbn-ts): feedback for entry passwords, and the floor for new master passwords (src/cli/new-master.ts). */
export interface Strength {
  /** zxcvbn's 0–4: 3 is "safely unguessable", about 10^8 guesses or more. */
  score: number;
  /** zxcvbn's estimate of the guesses an attacker needs (and its log10), behind the score. */
  guesses: number;
  guessesLog10: number;
  warning: string;
  suggestions: string[];
}

let ready: Promise<(pw: string) => Strength> | undefined;

export function strength(password: string): Promise<Strength> {
  ready ??= (async () => {
    // The bundle loads these packages' CommonJS builds: their exports may sit under `default`.
    const esm = <T>(m: T): T => ((m as { default?: T }).default && !(m as Record<string, unknown>).ZxcvbnFactory && !(m as Record<string, unknown>).dictionary ? (m as { default: T }).default : m);
    const core = esm(await import('@zxcvbn-ts/core'));
    const common = esm(await import('@zxcvbn-ts/language-common'));
    const en = esm(await import('@zxcvbn-ts/language-en'));
    const zxcvbn = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
      // Each l33t character multiplies the variants tried: at the default 100, a 20-character random password
      // with symbols took ~300 ms (a vault audit of 10k entries would take an hour); 20 keeps it ~10 ms and the
      // scores of such passwords (4, "very strong") do not change.
      l33tMaxSubstitutions: 20,
    });
    return (pw: string) => {
      const r = zxcvbn.check(pw);
      return { score: r.score, guesses: r.guesses, guessesLog10: r.guessesLog10, warning: r.feedback.warning ?? '', suggestions: r.feedback.suggestions };
    };
  })();
  return ready.then((f) => f(password));
}
