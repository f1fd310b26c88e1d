/** Strength feedback for a password the user typed (zxcvbn-ts): shown, never blocking. */
export interface Strength {
  score: number;
  warning: string;
  suggestions: string[];
}

let ready: Promise<(pw: string) => Strength> | undefined;

export function strength(password: string): Promise<Strength> {
  ready ??= (async () => {
    const core = await import('@zxcvbn-ts/core');
    const common = await import('@zxcvbn-ts/language-common');
    const en = await import('@zxcvbn-ts/language-en');
    const zxcvbn = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    return (pw: string) => {
      const r = zxcvbn.check(pw);
      return { score: r.score, warning: r.feedback.warning ?? '', suggestions: r.feedback.suggestions };
    };
  })();
  return ready.then((f) => f(password));
}
