// Checks wasm modules built for wasm32-unknown-unknown, for `cargo xtask test`.
//
//   node xtask/wasm_smoke.mjs FILE.wasm                   imports check, then run its `main`
//   node xtask/wasm_smoke.mjs --imports-only FILE.wasm... imports check only
//
// An import from module `env` means C code (zstd-sys) was compiled by a compiler that cannot
// target wasm: the module then fails to load in the browser. Running `main` makes every codec
// actually decode inside wasm; a Rust panic there is a trap, which fails this script.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const importsOnly = args[0] === '--imports-only';
const files = importsOnly ? args.slice(1) : args;
if (files.length === 0) {
  console.error('usage: node xtask/wasm_smoke.mjs [--imports-only] FILE.wasm...');
  process.exit(2);
}

let failed = false;
for (const file of files) {
  const module = new WebAssembly.Module(readFileSync(file));
  const imports = WebAssembly.Module.imports(module);
  const fromEnv = imports.filter((entry) => entry.module === 'env');
  if (fromEnv.length > 0) {
    console.error(`FAIL ${file}: ${fromEnv.length} import(s) from module "env" (C code not compiled with clang for wasm32?):`);
    for (const entry of fromEnv) console.error(`  env.${entry.name} (${entry.kind})`);
    failed = true;
    continue;
  }
  const modules = [...new Set(imports.map((entry) => entry.module))];
  console.log(`ok   ${file}: no "env" imports (${imports.length} import(s)${modules.length ? ' from ' + modules.join(', ') : ''})`);
  if (importsOnly) continue;

  // Stubs for whatever remains: calling one is a failure that names it.
  const stubs = {};
  for (const entry of imports) {
    if (entry.kind !== 'function') {
      console.error(`FAIL ${file}: cannot stub ${entry.kind} import ${entry.module}.${entry.name}`);
      process.exit(1);
    }
    stubs[entry.module] ??= {};
    stubs[entry.module][entry.name] = () => {
      throw new Error(`wasm called the unexpected import ${entry.module}.${entry.name}`);
    };
  }
  const instance = new WebAssembly.Instance(module, stubs);
  const main = instance.exports.main ?? instance.exports.__main_void;
  if (typeof main !== 'function') {
    const exported = WebAssembly.Module.exports(module).map((entry) => entry.name);
    console.error(`FAIL ${file}: no exported main; exports: ${exported.join(', ')}`);
    failed = true;
    continue;
  }
  const started = performance.now();
  try {
    // Rust's wasm32-unknown-unknown `main` is C's `main(argc, argv)`.
    const status = main.length >= 2 ? main(0, 0) : main();
    if (status !== undefined && status !== 0) throw new Error(`main returned ${status}`);
  } catch (error) {
    console.error(`FAIL ${file}: main trapped or threw (a panic in wasm is a trap): ${error}`);
    failed = true;
    continue;
  }
  console.log(`ok   ${file}: main ran in ${((performance.now() - started) / 1000).toFixed(2)}s`);
}
process.exit(failed ? 1 : 0);
