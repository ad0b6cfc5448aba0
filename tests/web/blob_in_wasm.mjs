// One blob in the web demo's wasm, through the page's own loader: the
// blob loads, reproduces its golden vectors bit for bit, and predicts
// every given input with the host runtime's bits.
//
//   node blob_in_wasm.mjs WASM BLOB CASES_JSON
//
// CASES_JSON: {"inputs": [[u32 bits...]...], "outputs": [[u32 bits...]...]}
// (f32 bit patterns, so that nothing is lost in decimal). Prints one line
// per check; exits 1 on any failure, 2 on bad arguments.

import { readFileSync } from 'node:fs';
import { RemulRuntime } from '../../wasm-demo/web/loader.js';

const [wasmPath, blobPath, casesPath] = process.argv.slice(2);
if (!casesPath) {
  console.error('usage: node blob_in_wasm.mjs WASM BLOB CASES_JSON');
  process.exit(2);
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}
const bits = (values) => new Uint32Array(values.buffer, values.byteOffset, values.length);
const sameBits = (a, b) => a.length === b.length && bits(a).every((v, i) => v === b[i]);
const f32 = (words) => new Float32Array(Uint32Array.from(words).buffer);

const runtime = await RemulRuntime.instantiate(readFileSync(wasmPath));
runtime.load(readFileSync(blobPath));
const meta = runtime.metadata();
console.log(`${blobPath}: ${meta.architecture}, ${meta.quant}, ${meta.layout}`);

const count = runtime.checkGolden();
let exact = 0;
for (let i = 0; i < count; i++) {
  const { input, expected } = runtime.golden(i);
  runtime.setInput(input);
  if (sameBits(runtime.predict(), bits(expected))) exact += 1;
}
check(count > 0 && exact === count, `golden vectors: ${exact}/${count} bit for bit`);

const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
cases.inputs.forEach((input, i) => {
  runtime.setInput(f32(input));
  check(sameBits(runtime.predict(), cases.outputs[i]), `input ${i}: the host runtime's bits`);
});

process.exit(failures === 0 ? 0 : 1);
