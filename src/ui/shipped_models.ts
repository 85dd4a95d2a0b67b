/**
 * The shipped models the build placed beside the pages (`models/index.json`, written by
 * scripts/build_models.ts): the demo, bench and fine-tune pages list them before the models stored in
 * this browser, under keys `shipped:<name>`.
 */
import type { ShippedListing } from '../recognize/registry.ts';

export type { ShippedListing };

export const SHIPPED_PREFIX = 'shipped:';

export function shippedKey(name: string): string {
  return `${SHIPPED_PREFIX}${name}`;
}

/** `shipped:<name>` → name; null for other keys. */
export function shippedName(key: string): string | null {
  return key.startsWith(SHIPPED_PREFIX) ? key.slice(SHIPPED_PREFIX.length) : null;
}

/** The build's list, in the registry's order (most accurate first); empty when the app was built without
 *  it (a dev server before `npm run models`) or it cannot be read. */
export async function fetchShippedModels(base: string | URL = document.baseURI): Promise<ShippedListing[]> {
  try {
    const r = await fetch(new URL('models/index.json', base));
    if (!r.ok) return [];
    const j = (await r.json()) as { models?: ShippedListing[] };
    return Array.isArray(j.models) ? j.models : [];
  } catch {
    return [];
  }
}
