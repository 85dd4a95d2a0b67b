/**
 * The shipped models the build placed beside the pages (`models/index.json`, written by
 * scripts/build_models.ts): the demo, bench and fine-tune pages list them before the models stored in
 * this browser, under keys `shipped:<name>`.
 */
import type { ShippedListing } from '../recognize/registry.ts';
import { SHIPPED, fetchShippedListing } from '../recognize/model_source.ts';

export type { ShippedListing };

export function shippedKey(name: string): string {
  return `${SHIPPED}${name}`;
}

/** `shipped:<name>` → name; null for other keys. */
export function shippedName(key: string): string | null {
  return key.startsWith(SHIPPED) ? key.slice(SHIPPED.length) : null;
}

/** The build's list, in the registry's order (most accurate first); empty when the app was built without
 *  it (a dev server before `npm run models`) or it cannot be read. */
export function fetchShippedModels(base: string | URL = document.baseURI): Promise<ShippedListing[]> {
  return fetchShippedListing(base);
}
