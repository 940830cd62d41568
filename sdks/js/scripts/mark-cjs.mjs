// dist/cjs holds CommonJS although this package is "type": "module": a package.json there says so to Node.js
// (and to TypeScript, which then reads dist/cjs/*.d.ts as CommonJS declarations for `require` users).
import { chmodSync, writeFileSync } from "node:fs";

writeFileSync(new URL("../dist/cjs/package.json", import.meta.url), JSON.stringify({ type: "commonjs" }) + "\n");
for (const build of ["esm", "cjs"]) chmodSync(new URL(`../dist/${build}/cli.js`, import.meta.url), 0o755);
