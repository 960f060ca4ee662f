/**
 * A probe's test split for a corpus that has none (spec §7 probe): a seeded
 * tenth of each label's items (at least one per label) is held out, the rest
 * is train, both in list order. Used by image folders and speech folders alike.
 */
import { Rng } from '../util/rng';

export function holdOutPerLabel<T extends { label: number }>(entries: readonly T[], seed: number | string): { train: T[]; test: T[] } {
  const rng = new Rng(`${seed}:holdout`);
  const held = new Set<number>();
  const byLabel = new Map<number, number[]>();
  entries.forEach((e, i) => byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), i]));
  for (const members of byLabel.values()) for (const k of rng.permutation(members.length).slice(0, Math.max(1, Math.round(members.length / 10)))) held.add(members[k]);
  return { train: entries.filter((_, i) => !held.has(i)), test: entries.filter((_, i) => held.has(i)) };
}
