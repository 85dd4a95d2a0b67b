// Lets Node run the project's TypeScript sources as they are: tsx for .ts, plus Vite's `?raw` import
// convention (WGSL kernel bodies in shaders/ are imported as strings). Use: node --import ./cli/register.mjs x.ts
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./raw_loader.mjs', import.meta.url);
registerTsx();
