import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { parseDeclaration, serializeFieldType } from '../schema/declarations.js';
import { PREBUILT_DIR, prebuiltFile } from '../schema/fields-custom.js';
import { CRD_PACKAGES } from '../schema/registry.js';

/** Build step: the field tree of every kind in the CRD model packages, as JSON under dist/. */
const require = createRequire(import.meta.url);

rmSync(PREBUILT_DIR, { recursive: true, force: true });
mkdirSync(PREBUILT_DIR, { recursive: true });
let written = 0;
for (const { pkg } of CRD_PACKAGES) {
  const root = dirname(require.resolve(`${pkg}/package.json`));
  const exports = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports;
  const versions = Object.keys(exports).flatMap((key) => /^\.\/(.+)\/\*$/.exec(key)?.slice(1, 2) ?? []);
  for (const version of versions) {
    for (const file of readdirSync(join(root, version)).filter((name) => name.endsWith('.d.ts') && name !== 'index.d.ts')) {
      const kind = file.replace(/\.d\.ts$/, '');
      const type = parseDeclaration(ts, join(root, version, file), kind);
      if (type?.type !== 'object' || !type.fields().has('kind')) continue;
      writeFileSync(prebuiltFile(`${pkg}/${version}/${kind}`), JSON.stringify(serializeFieldType(type)));
      written += 1;
    }
  }
}
process.stdout.write(`wrote the field lists of ${written} custom resource kinds to ${PREBUILT_DIR}\n`);
