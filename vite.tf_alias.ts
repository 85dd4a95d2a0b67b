/**
 * Browser builds import tfjs through src/runtime/tf_browser.ts instead of src/runtime/tf.ts (the umbrella
 * package, kept for Node): a resolve hook that swaps the one module, for pages, workers and the library.
 */
import path from 'node:path';
import type { Plugin } from 'vite';

export function browserTf(root: string): Plugin {
  const from = path.join(root, 'src/runtime/tf.ts');
  const to = path.join(root, 'src/runtime/tf_browser.ts');
  return {
    name: 'webstr-browser-tf',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || !source.endsWith('tf.ts')) return null;
      const r = await this.resolve(source, importer, { ...options, skipSelf: true });
      return r?.id === from ? to : null;
    },
  };
}
