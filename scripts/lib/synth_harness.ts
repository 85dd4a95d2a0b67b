/**
 * The synthetic-words harness page (scripts/harness/synth.html + workers/synth.ts) in Chromium, for
 * e2e/synth.spec.ts and `npm run perf -- synth` (see scripts/lib/harness.ts).
 */
import { openHarness, type Harness } from './harness.ts';

export type SynthHarness = Harness;

export function openSynthHarness(): Promise<SynthHarness> {
  return openHarness({ page: 'synth', outName: 'synth_harness', global: 'webstrSynth' });
}
