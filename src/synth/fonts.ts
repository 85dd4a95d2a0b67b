/**
 * The fonts the generator ships with: Latin woff2 files of npm `@fontsource/*` packages (SIL OFL 1.1 or
 * Apache 2.0, each package carries its LICENSE), loaded with `FontFace` in a worker and with
 * `GlobalFonts.registerFromPath` in Node (@napi-rs/canvas reads woff2), so both draw the same faces.
 * Each face gets its own family name (`webstr-…`), so weights and styles need no CSS matching and no
 * system font can stand in.
 */
export type FontStyle = 'sans' | 'serif' | 'mono' | 'display' | 'handwriting';

export interface SynthFont {
  /** The family name the face is registered under. */
  family: string;
  /** Module specifier of the woff2 file (resolved by Node, or by Vite in the browser build). */
  file: string;
  style: FontStyle;
  /** The face has no lowercase glyphs (it draws capitals for them): the text is drawn uppercase. */
  capsOnly?: boolean;
  /** Lower case looks like capitals (seen by fetch_fonts.ts's shape test): the rich style draws it upper
   *  case; the basic style, older, does not (its stream stays as it was). */
  capsLike?: boolean;
  /** Printable ASCII the face has no glyph for (the rich style picks another face for such strings). */
  missing?: string;
}

const fs = (pkg: string, face: string): string => `@fontsource/${pkg}/files/${pkg}-latin-${face}.woff2`;

export const DEFAULT_FONTS: readonly SynthFont[] = Object.freeze([
  { family: 'webstr-roboto', file: fs('roboto', '400-normal'), style: 'sans' },
  { family: 'webstr-roboto-bold', file: fs('roboto', '700-normal'), style: 'sans' },
  { family: 'webstr-roboto-italic', file: fs('roboto', '400-italic'), style: 'sans' },
  { family: 'webstr-oswald', file: fs('oswald', '400-normal'), style: 'sans' },
  { family: 'webstr-oswald-bold', file: fs('oswald', '700-normal'), style: 'sans' },
  { family: 'webstr-merriweather', file: fs('merriweather', '400-normal'), style: 'serif' },
  { family: 'webstr-merriweather-bold-italic', file: fs('merriweather', '700-italic'), style: 'serif' },
  { family: 'webstr-playfair', file: fs('playfair-display', '400-normal'), style: 'serif' },
  { family: 'webstr-playfair-bold', file: fs('playfair-display', '700-normal'), style: 'serif' },
  { family: 'webstr-roboto-mono', file: fs('roboto-mono', '400-normal'), style: 'mono' },
  { family: 'webstr-special-elite', file: fs('special-elite', '400-normal'), style: 'mono' },
  { family: 'webstr-bebas-neue', file: fs('bebas-neue', '400-normal'), style: 'display', capsOnly: true },
  { family: 'webstr-lobster', file: fs('lobster', '400-normal'), style: 'display' },
  { family: 'webstr-permanent-marker', file: fs('permanent-marker', '400-normal'), style: 'handwriting', capsLike: true },
  { family: 'webstr-dancing-script', file: fs('dancing-script', '700-normal'), style: 'handwriting' },
  { family: 'webstr-caveat', file: fs('caveat', '400-normal'), style: 'handwriting' },
]);
