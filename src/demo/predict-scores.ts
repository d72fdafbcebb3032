/** One input's prediction: the best label, its score, and the `topK` best candidates. */
export interface PredictionOutput {
  label: string;
  score: number;
  candidates: { label: string; score: number }[];
}

/**
 * Deterministic "inference": each label's score is a hash of (model, label, input),
 * normalised to sum to 1. Same input, same answer, on every machine.
 */
export function scoreInput(model: string, labels: readonly string[], input: string | number[], topK: number): PredictionOutput {
  const key = typeof input === "string" ? input : input.join(",");
  const raw = labels.map((label) => (fnv1a(`${model}|${label}|${key}`) % 1000) + 1);
  const total = raw.reduce((sum, value) => sum + value, 0);
  const ranked = labels
    .map((label, index) => ({ label, score: round4((raw[index] ?? 0) / total) }))
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
  const best = ranked[0] ?? { label: "unknown", score: 0 };
  return { label: best.label, score: best.score, candidates: ranked.slice(0, topK) };
}

/** FNV-1a, 32 bits: a tiny, stable string hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
