// Writes brotli (.br) and gzip (.gz) forms beside each text file of the built app in dist/, once,
// at build time, so that the server sends a phone on a slow line the smallest form its browser
// accepts without compressing anything per request (src/http/static_files.h chooses among them).
// A compressed form that would not be smaller is not written.
//
// Usage: node scripts/compress.mjs [DIST]   (default: dist beside this script's folder)

import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.argv[2] ?? join(here, "..", "dist");
const compressible = /\.(html|js|mjs|css|json|map|svg|txt|webmanifest)$/;

async function* filesUnder(folder) {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

let plain = 0;
let brotli = 0;
let gzip = 0;
for await (const path of filesUnder(dist)) {
  if (!compressible.test(path)) continue;
  const bytes = await readFile(path);
  const forms = [
    [".br", brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    })],
    [".gz", gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION })],
  ];
  plain += bytes.length;
  for (const [suffix, packed] of forms) {
    const target = path + suffix;
    if (packed.length < bytes.length) {
      await writeFile(target, packed);
      if (suffix === ".br") brotli += packed.length;
      else gzip += packed.length;
    } else {
      // A form left from an earlier build would no longer match the file.
      await rm(target, { force: true });
      if (suffix === ".br") brotli += bytes.length;
      else gzip += bytes.length;
    }
  }
}
if (plain === 0 && !(await stat(dist).catch(() => null))) {
  console.error(`compress: no built app in ${dist}`);
  process.exit(1);
}
const kB = (n) => (n / 1024).toFixed(1);
console.log(`compress: ${kB(plain)} kB of text; ${kB(gzip)} kB as gzip, ${kB(brotli)} kB as brotli`);
