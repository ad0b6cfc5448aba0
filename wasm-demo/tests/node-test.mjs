// The wasm exports under Node, through the page's own loader (web/loader.js):
//
// 1. every committed blob loads and reproduces its golden vectors bit for bit
//    (the golden outputs are the host runtime's);
// 2. the default model's predictions for the shipped test samples equal, bit
//    for bit, what the host runtime gave for them (`trainer predict`);
// 3. bad blobs and bad arguments give error codes and messages, not traps.
//
//   node wasm-demo/tests/node-test.mjs WASM SAMPLES_JSON HOST_PREDICTIONS_JSON
//
// HOST_PREDICTIONS_JSON is `trainer predict --model models/mocap-mlp.bin` on
// the samples' inputs. Exits 1 on any failure.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RemulRuntime, RemulError } from '../web/loader.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const [wasmPath, samplesPath, hostPredictionsPath] = process.argv.slice(2);
if (!hostPredictionsPath) {
  console.error('usage: node node-test.mjs WASM SAMPLES_JSON HOST_PREDICTIONS_JSON');
  process.exit(2);
}

let failures = 0;
function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ` (${detail})` : ''}`);
  if (!ok) failures += 1;
}

/** The error code a call throws, or 0 if it returns. A trap (a
 *  WebAssembly.RuntimeError) is not a RemulError and fails the test. */
function codeOf(call) {
  try {
    call();
    return 0;
  } catch (e) {
    if (e instanceof RemulError) return e.code;
    throw e;
  }
}

function messageOf(call) {
  try {
    call();
    return '';
  } catch (e) {
    return e.message;
  }
}

const sameBits = (a, b) =>
  a.length === b.length &&
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

const wasm = readFileSync(wasmPath);
const runtime = await RemulRuntime.instantiate(wasm);
console.log(`${wasmPath}: ${wasm.length} bytes; blob capacity ${runtime.blobCapacity} bytes`);

// 1. Golden vectors.
const blobs = [
  'models/mocap-mlp.bin',
  'models/mocap-transformer.bin',
  'runtime-nostd/tests/data/mlp-f32.bin',
  'runtime-nostd/tests/data/mlp-int8.bin',
  'runtime-nostd/tests/data/transformer-f32.bin',
  'runtime-nostd/tests/data/transformer-int8.bin',
];
for (const path of blobs) {
  const bytes = readFileSync(repo + path);
  runtime.load(bytes);
  const meta = runtime.metadata();
  const count = runtime.checkGolden();
  let exact = 0;
  for (let i = 0; i < count; i++) {
    const { input, expected } = runtime.golden(i);
    runtime.setInput(input);
    if (sameBits(runtime.predict(), expected)) exact += 1;
  }
  check(
    count > 0 && exact === count,
    `${path}: ${exact}/${count} golden vectors bit for bit`,
    `${meta.architecture}, ${meta.quant}, ${bytes.length} B`,
  );
}

// 2. The shipped samples against the host runtime.
const samples = JSON.parse(readFileSync(samplesPath, 'utf8'));
const hostPredictions = JSON.parse(readFileSync(hostPredictionsPath, 'utf8'));
runtime.load(readFileSync(repo + 'models/mocap-mlp.bin'));
const meta = runtime.metadata();
check(
  meta.task === 'mocap-run' && meta.parameters === 204693 && meta.architecture === 'MLP 195 → 330 → 330 → 93, SiLU',
  'metadata of models/mocap-mlp.bin',
  `${meta.task}, ${meta.parameters} parameters, ${meta.architecture}, ${meta.layout}`,
);
check(hostPredictions.length === samples.samples.length, `host predictions for all ${samples.samples.length} samples`);
samples.samples.forEach((sample, i) => {
  runtime.setInput(sample.input);
  const wasmOut = runtime.predict();
  const hostOut = Float32Array.from(hostPredictions[i] ?? []);
  let maxDiff = 0;
  for (let k = 0; k < wasmOut.length; k++) maxDiff = Math.max(maxDiff, Math.abs(wasmOut[k] - hostOut[k]));
  check(sameBits(wasmOut, hostOut), `sample ${i}: wasm prediction = trainer predict, bit for bit`, `max |diff| ${maxDiff}`);
});

// Timing, for the record (not a check).
runtime.setInput(samples.samples[0].input);
let t = performance.now();
const runs = 2000;
for (let i = 0; i < runs; i++) runtime.predict();
const predictUs = ((performance.now() - t) / runs) * 1000;
t = performance.now();
const report = runtime.equivariance(32, 0);
const equivarianceMs = performance.now() - t;
console.log(
  `timing: predict ${predictUs.toFixed(1)} µs; E' with M = 32 ${equivarianceMs.toFixed(2)} ms (sample 0: E' = ${report.ePrime.toFixed(4)}, E = ${report.e.toFixed(4)})`,
);

// 3. Errors are codes with messages, never traps.
const good = readFileSync(repo + 'models/mocap-mlp.bin');
const flipped = Uint8Array.from(good);
flipped[flipped.length >> 1] ^= 0x40;
check(codeOf(() => runtime.load(flipped)) === -3, 'a flipped payload bit: -3', messageOf(() => runtime.load(flipped)));
check(codeOf(() => runtime.predict()) === -1, 'after a failed load: no model (-1)', messageOf(() => runtime.predict()));
check(codeOf(() => runtime.load(good.subarray(0, 1000))) === -3, 'a truncated blob: -3', messageOf(() => runtime.load(good.subarray(0, 1000))));
check(codeOf(() => runtime.load(new Uint8Array(0))) === -3, 'an empty file: -3');
const json = new TextEncoder().encode(JSON.stringify(samples).slice(0, 5000));
check(codeOf(() => runtime.load(json)) === -3, 'a JSON file: -3', messageOf(() => runtime.load(json)));
const huge = new Uint8Array(runtime.blobCapacity + 1);
check(codeOf(() => runtime.load(huge)) === -2, 'a blob over the capacity: -2', messageOf(() => runtime.load(huge)));
runtime.load(good);
const nanInput = Float32Array.from(samples.samples[0].input);
nanInput[7] = NaN;
runtime.setInput(nanInput);
check(codeOf(() => runtime.predict()) === -5, 'a NaN input: -5', messageOf(() => runtime.predict()));
runtime.setInput(samples.samples[0].input);
check(codeOf(() => runtime.rotateInput([0, 0, 0], 30)) === -6, 'a zero rotation axis: -6');
check(codeOf(() => runtime.rotateInput([0, 1, 0], Infinity)) === -6, 'an infinite angle: -6');
check(codeOf(() => runtime.equivariance(0, 0)) === -6, 'M = 0: -6');
check(codeOf(() => runtime.golden(99)) === -6, 'a golden index out of range: -6');
check(codeOf(() => runtime.setInput([1, 2, 3])) === -6, 'an input of the wrong length: -6 (loader)');
check(codeOf(() => runtime.predict()) === 0, 'still usable after the failures');

console.log(failures === 0 ? 'node test: all checks passed' : `node test: ${failures} check(s) FAILED`);
process.exit(failures === 0 ? 0 : 1);
