/** `npm install` (postinstall): builds the pages' client bundles (src/web/assets.ts). */
import { ensureAssets } from '../src/web/assets.js';

const built = await ensureAssets({ force: process.argv.includes('--force') });
console.log(built ? 'Bundle delle pagine creati in public/assets/' : 'Bundle delle pagine già aggiornati');
