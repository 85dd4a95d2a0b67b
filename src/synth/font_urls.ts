/**
 * URLs of the shipped fonts' woff2 files in the browser build (Vite `?url` imports: the files are
 * emitted as assets of the build). Browser only: Node resolves the same files from node_modules
 * (`node.ts`). Keys are `DEFAULT_FONTS`' families (a unit test keeps the two lists equal).
 */
import f0 from '@fontsource/roboto/files/roboto-latin-400-normal.woff2?url';
import f1 from '@fontsource/roboto/files/roboto-latin-700-normal.woff2?url';
import f2 from '@fontsource/roboto/files/roboto-latin-400-italic.woff2?url';
import f3 from '@fontsource/oswald/files/oswald-latin-400-normal.woff2?url';
import f4 from '@fontsource/oswald/files/oswald-latin-700-normal.woff2?url';
import f5 from '@fontsource/merriweather/files/merriweather-latin-400-normal.woff2?url';
import f6 from '@fontsource/merriweather/files/merriweather-latin-700-italic.woff2?url';
import f7 from '@fontsource/playfair-display/files/playfair-display-latin-400-normal.woff2?url';
import f8 from '@fontsource/playfair-display/files/playfair-display-latin-700-normal.woff2?url';
import f9 from '@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2?url';
import f10 from '@fontsource/special-elite/files/special-elite-latin-400-normal.woff2?url';
import f11 from '@fontsource/bebas-neue/files/bebas-neue-latin-400-normal.woff2?url';
import f12 from '@fontsource/lobster/files/lobster-latin-400-normal.woff2?url';
import f13 from '@fontsource/permanent-marker/files/permanent-marker-latin-400-normal.woff2?url';
import f14 from '@fontsource/dancing-script/files/dancing-script-latin-700-normal.woff2?url';
import f15 from '@fontsource/caveat/files/caveat-latin-400-normal.woff2?url';

import patches from './assets/patches.jpg?url';

/** The rich style's atlas of real background patches. */
export const PATCH_ATLAS_URL: string = patches;

export const FONT_URLS: Readonly<Record<string, string>> = Object.freeze({
  'webstr-roboto': f0,
  'webstr-roboto-bold': f1,
  'webstr-roboto-italic': f2,
  'webstr-oswald': f3,
  'webstr-oswald-bold': f4,
  'webstr-merriweather': f5,
  'webstr-merriweather-bold-italic': f6,
  'webstr-playfair': f7,
  'webstr-playfair-bold': f8,
  'webstr-roboto-mono': f9,
  'webstr-special-elite': f10,
  'webstr-bebas-neue': f11,
  'webstr-lobster': f12,
  'webstr-permanent-marker': f13,
  'webstr-dancing-script': f14,
  'webstr-caveat': f15,
});
