// Prints each file's size raw and gzip -9, as the README's size tables give them.
//
//   node xtask/sizes.mjs FILE...
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const kb = (bytes) => `${Math.round(bytes / 1024).toLocaleString('en')} KB`;
for (const file of process.argv.slice(2)) {
  const bytes = readFileSync(file);
  console.log(`${file}: ${kb(bytes.length)} raw, ${kb(gzipSync(bytes, { level: 9 }).length)} gzip -9`);
}
