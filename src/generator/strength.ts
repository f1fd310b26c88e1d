/** Strength estimates (zxcvbn-ts): feedback for entry passwords, and the floor for new master passwords (src/cli/new-master.ts). */
export interface Strength {
  /** zxcvbn's 0–4: 3 is "safely unguessable", about 10^8 guesses or more. */
  score: number;
  /** log10 of the estimated number of guesses. */
  guessesLog10: number;
  warning: string;
  suggestions: string[];
}

let ready: Promise<(pw: string) => Strength> | undefined;

export function strength(password: string): Promise<Strength> {
  ready ??= (async () => {
    // The bundle gets these CommonJS builds as a default export, the sources as named ones.
    const named = <T>(m: T): T => ((m as { default?: T }).default && !Object.keys(m as object).some((k) => k !== 'default') ? (m as { default: T }).default : m);
    const core = named(await import('@zxcvbn-ts/core'));
    const common = named(await import('@zxcvbn-ts/language-common'));
    const en = named(await import('@zxcvbn-ts/language-en'));
    const zxcvbn = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    return (pw: string) => {
      const r = zxcvbn.check(pw);
      return { score: r.score, guessesLog10: r.guessesLog10, warning: r.feedback.warning ?? '', suggestions: r.feedback.suggestions };
    };
  })();
  return ready.then((f) => f(password));
}
