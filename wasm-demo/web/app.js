// The demo page: loads remul_demo.wasm, a model blob and the shipped mocap
// test samples, and shows one sample's input pose, the predicted and the true
// pose 30 frames later, the live equivariance error and the blob's metadata.
//
// URL parameters (the browser test uses them): sample (index), axis (x, y,
// z), angle (degrees, −180 to 180), m (rotations for E′), seed, model (URL
// of a blob, default model.bin), samples (URL of a samples file that
// `trainer samples` wrote, default the shipped mocap-test-samples.json: any
// layout's positions are drawn as points, with the file's bones).

import { RemulRuntime } from './loader.js';
import { SkeletonView } from './view.js';

const AXES = { x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] };
const COLORS = { input: '#8a8f98', predicted: '#1f6fd1', truth: '#2e9e4f' };
// Predictions are averaged over this many runs for the timing shown.
const TIMING_RUNS = 20;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const intParam = (name, fallback) => {
  const v = Number.parseInt(params.get(name) ?? '', 10);
  return Number.isFinite(v) ? v : fallback;
};

const settings = {
  sample: Math.max(0, intParam('sample', 0)),
  axis: AXES[params.get('axis')] ? params.get('axis') : 'y',
  angle: clamp(Number(params.get('angle') ?? 0) || 0, -180, 180),
  m: clamp(intParam('m', 32), 1, 4096),
  seed: clamp(intParam('seed', 0), 0, 2 ** 32 - 1),
};

const samplesUrl = params.get('samples') ?? 'mocap-test-samples.json';

let runtime = null;
let samples = null;
let view = null;
/** The loaded model: { name, bytes, meta, fits }. */
let model = null;

function setStatus(state) {
  const el = $('status');
  el.textContent = state;
  el.dataset.state = state;
}

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

/** Sets an element's text and keeps the unrounded number for tests. */
function showNumber(id, value, digits) {
  const el = $(id);
  el.textContent = value === null || value === undefined ? '–' : value.toFixed(digits);
  el.dataset.exact = value === null || value === undefined ? '' : String(value);
}

function formatCount(n) {
  return n.toLocaleString('en-US');
}

/** The offset of the first position channel and the entity width of a
 *  layout as the samples' JSON writes it ({entities, channels}). */
function positionChannel(layout) {
  const widths = { Position: 3, Vector: 3, Scalar: 1 };
  let offset = -1;
  let width = 0;
  for (const c of layout.channels) {
    if (c === 'Position' && offset < 0) offset = width;
    width += widths[c] ?? 0;
  }
  return { offset, width, entities: layout.entities };
}

/** The joint positions (x, y, z per joint) of a flat vector. */
function positions(values, layout) {
  const { offset, width, entities } = positionChannel(layout);
  const out = new Float32Array(entities * 3);
  for (let j = 0; j < entities; j++) {
    for (let k = 0; k < 3; k++) out[3 * j + k] = values[width * j + offset + k];
  }
  return out;
}

function layoutText(layout) {
  return `${layout.entities} × [${layout.channels.map((c) => c.toLowerCase()).join(', ')}]`;
}

/** Rodrigues' rotation, for drawing only (the floor grid and the view's
 *  centre): the data are rotated by the runtime, in wasm. */
function rotatePoint(p, axis, degrees) {
  const n = Math.hypot(...axis);
  const [kx, ky, kz] = axis.map((a) => a / n);
  const t = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  const dot = kx * p[0] + ky * p[1] + kz * p[2];
  const cross = [ky * p[2] - kz * p[1], kz * p[0] - kx * p[2], kx * p[1] - ky * p[0]];
  return [0, 1, 2].map((i) => p[i] * c + cross[i] * s + [kx, ky, kz][i] * dot * (1 - c));
}

/** FNV-1a over the f32 bytes: a fingerprint of the exact prediction. */
function fnv1a(values) {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
}

function describeModel() {
  const meta = runtime.metadata();
  const metrics = meta.metrics;
  const fixed = (v, d) => (v === null ? 'not recorded' : v.toFixed(d));
  $('meta-file').textContent = `${model.name}`;
  $('meta-task').textContent = meta.task || '–';
  $('meta-architecture').textContent = meta.architecture;
  $('meta-layout').textContent = meta.layout;
  const g = meta.group;
  $('meta-group').textContent =
    g.kind === 'SO(2)'
      ? `SO(2) about (${g.axis.map((v) => v.toFixed(2)).join(', ')})`
      : g.kind === 'angle range'
        ? `rotations by ${((g.min * 180) / Math.PI).toFixed(0)}° to ${((g.max * 180) / Math.PI).toFixed(0)}°`
        : g.kind;
  $('meta-params').textContent = formatCount(meta.parameters);
  $('meta-quant').textContent = `${meta.quant}, ${formatCount(meta.tensorBytes)} bytes; ${formatCount(meta.macs)} MACs per prediction`;
  $('meta-blob').textContent = `${formatCount(model.bytes.length)} bytes; scratch ${formatCount(meta.scratchLen)} values`;
  $('meta-mse').textContent = `${fixed(metrics.f32Mse, 4)} / ${fixed(metrics.int8Mse, 4)}`;
  $('meta-equivariance').textContent = `${fixed(metrics.e, 4)} / ${fixed(metrics.ePrime, 4)}` + (metrics.samples ? ` (${metrics.samples} samples)` : '');
  showNumber('export-e-prime', metrics.ePrime, 4);
  try {
    const n = runtime.checkGolden();
    $('golden').textContent = `${n} of ${n} reproduced bit for bit`;
  } catch (e) {
    $('golden').textContent = `FAILED: ${e.message}`;
  }
  const first = samples.samples[0];
  const fits =
    meta.inputLen === first.input.length &&
    meta.outputLen === first.target.length &&
    meta.layout === `${layoutText(samples.io.input)} → ${layoutText(samples.io.output)}`;
  return { meta, fits };
}

function clearNumbers() {
  for (const id of ['mse', 'e-prime', 'e', 'max-abs', 'prediction-checksum']) showNumber(id, null);
  $('e-prime-m').textContent = '–';
  $('prediction-fnv').textContent = '–';
  $('timing').textContent = '–';
}

/** Runs the model on the selected sample and rotation and shows it all. */
function update() {
  $('angle-value').textContent = `${settings.angle}°`;
  $('case').textContent = `sample ${settings.sample}, ${settings.angle}° about ${settings.axis}`;
  if (!model) return;
  if (!model.fits) {
    clearNumbers();
    view.showMessage(
      `The samples (${samplesUrl}) do not fit this model (${model.meta.layout}); metadata and golden check only.`,
    );
    return;
  }
  const sample = samples.samples[settings.sample];
  const axis = AXES[settings.axis];
  const angle = settings.angle;

  // ρ(g) y: the true future pose, rotated with the input.
  runtime.setOutput(sample.target);
  runtime.rotateOutput(axis, angle);
  const truth = runtime.getOutput();
  // φ(g) x, then the prediction and the equivariance error at it.
  runtime.setInput(sample.input);
  runtime.rotateInput(axis, angle);
  const input = runtime.getInput();
  let t0 = performance.now();
  let predicted;
  for (let i = 0; i < TIMING_RUNS; i++) predicted = runtime.predict();
  const predictUs = ((performance.now() - t0) / TIMING_RUNS) * 1000;
  t0 = performance.now();
  const report = runtime.equivariance(settings.m, settings.seed);
  const equivarianceMs = performance.now() - t0;

  let squared = 0;
  let sum = 0;
  for (let k = 0; k < predicted.length; k++) {
    const d = predicted[k] - truth[k];
    squared += d * d;
    sum += predicted[k];
  }
  showNumber('mse', squared / predicted.length, 4);
  showNumber('e-prime', report.ePrime, 4);
  showNumber('e', report.e, 4);
  showNumber('max-abs', report.maxAbs, 4);
  $('e-prime-m').textContent = String(report.m);
  $('seed').textContent = String(settings.seed);
  showNumber('prediction-checksum', sum, 4);
  $('prediction-fnv').textContent = fnv1a(predicted);
  // Headless Chromium's virtual time stands still during a call: no timing there.
  $('timing').textContent =
    predictUs > 0 ? `${predictUs.toFixed(0)} µs / ${equivarianceMs.toFixed(1)} ms` : 'not measured';

  drawScene(sample, input, predicted, truth, axis, angle);
}

function drawScene(sample, input, predicted, truth, axis, angle) {
  const io = samples.io;
  const poses = {
    input: positions(input, io.input),
    predicted: positions(predicted, io.output),
    truth: positions(truth, io.output),
  };
  // The frame comes from the unrotated sample and turns with the data, so
  // the view holds still while the slider moves and only the poses turn.
  const original = [positions(sample.input, io.input), positions(sample.target, io.output)];
  const center = [0, 0, 0];
  let count = 0;
  let floorY = Infinity;
  for (const p of original) {
    for (let j = 0; j < p.length; j += 3) {
      for (let k = 0; k < 3; k++) center[k] += p[j + k];
      floorY = Math.min(floorY, p[j + 1]);
      count += 1;
    }
  }
  for (let k = 0; k < 3; k++) center[k] /= count;
  let radius = 0;
  for (const p of original) {
    for (let j = 0; j < p.length; j += 3) {
      radius = Math.max(radius, Math.hypot(p[j] - center[0], p[j + 1] - center[1], p[j + 2] - center[2]));
    }
  }
  // The floor under the sample, as line segments, rotated as the data.
  const half = 1.1 * radius;
  const floor = [];
  for (let i = -4; i <= 4; i++) {
    const t = (i * half) / 4;
    floor.push([
      [center[0] + t, floorY, center[2] - half],
      [center[0] + t, floorY, center[2] + half],
    ]);
    floor.push([
      [center[0] - half, floorY, center[2] + t],
      [center[0] + half, floorY, center[2] + t],
    ]);
  }
  view.setScene({
    layers: [
      { points: poses.input, color: COLORS.input, width: 2.5 },
      { points: poses.truth, color: COLORS.truth, width: 3.5 },
      { points: poses.predicted, color: COLORS.predicted, width: 2.5 },
    ],
    center: rotatePoint(center, axis, angle),
    radius,
    floor: floor.map(([a, b]) => [rotatePoint(a, axis, angle), rotatePoint(b, axis, angle)]),
  });
}

/** Loads a blob; on failure shows why and keeps (reloads) the previous model. */
function useModel(name, bytes) {
  try {
    runtime.load(bytes);
  } catch (e) {
    fail(`${name}: ${e.message}`);
    return false;
  }
  clearError();
  model = { name, bytes };
  Object.assign(model, describeModel());
  try {
    update();
  } catch (e) {
    showError(`${name}: ${e.message}`);
  }
  setStatus('ready');
  return true;
}

/** Shows an error; the page stays usable with the previous model, if any. */
function fail(message) {
  if (model && runtime) {
    showError(`${message}. Still showing ${model.name}.`);
    runtime.load(model.bytes);
    update();
    setStatus('ready');
  } else {
    showError(message);
    setStatus('error');
  }
}

async function useModelFromUrl(url) {
  setStatus('loading');
  let bytes;
  try {
    bytes = await fetchBytes(url);
  } catch (e) {
    fail(`${url}: could not fetch the model (${e.message})`);
    return;
  }
  useModel(url, bytes);
}

async function useModelFile(file) {
  if (file.size > runtime.blobCapacity) {
    fail(`${file.name}: ${formatCount(file.size)} bytes; this page takes blobs up to ${formatCount(runtime.blobCapacity)} bytes`);
    return;
  }
  useModel(`${file.name} (your file)`, new Uint8Array(await file.arrayBuffer()));
}

function wireControls() {
  const select = $('sample');
  samples.samples.forEach((_, i) => select.add(new Option(`${i} of ${samples.samples.length}`, String(i))));
  select.value = String(settings.sample);
  select.addEventListener('change', () => {
    settings.sample = Number(select.value);
    update();
  });
  for (const radio of document.querySelectorAll('input[name="axis"]')) {
    radio.checked = radio.value === settings.axis;
    radio.addEventListener('change', () => {
      settings.axis = radio.value;
      update();
    });
  }
  const angle = $('angle');
  angle.value = String(settings.angle);
  angle.addEventListener('input', () => {
    settings.angle = Number(angle.value);
    update();
  });
  const builtin = $('builtin');
  builtin.addEventListener('change', () => useModelFromUrl(builtin.value));
  $('file').addEventListener('change', (e) => {
    const file = e.target.files?.[0];
    if (file) useModelFile(file);
    e.target.value = '';
  });
  // The whole page takes a dropped file.
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) document.body.classList.remove('dragging');
  });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const file = e.dataTransfer?.files?.[0];
    if (file) useModelFile(file);
  });
}

async function main() {
  setStatus('loading');
  try {
    [runtime, samples] = await Promise.all([
      RemulRuntime.instantiate(fetch('remul_demo.wasm')),
      fetch(samplesUrl).then((r) => {
        if (!r.ok) throw new Error(`${samplesUrl}: HTTP ${r.status}`);
        return r.json();
      }),
    ]);
  } catch (e) {
    showError(`The demo could not start: ${e.message}. Build it with wasm-demo/build.sh and serve wasm-demo/web/.`);
    setStatus('error');
    return;
  }
  if (!String(samples.task).startsWith('mocap')) {
    // Another dataset's samples: no skeleton, no 30 frames.
    $('subtitle').textContent =
      `The no_std runtime compiled to WebAssembly runs a model of ${samples.task}. Rotate the input and watch the prediction follow.`;
    $('mse-label').textContent = 'MSE of the prediction';
    $('legend-input').textContent = `input (${samples.task})`;
    $('legend-predicted').textContent = 'predicted';
    $('legend-truth').textContent = 'true';
  }
  settings.sample = Math.min(settings.sample, samples.samples.length - 1);
  view = new SkeletonView($('view'), samples.edges);
  wireControls();
  const url = params.get('model') ?? 'model.bin';
  if ([...$('builtin').options].some((o) => o.value === url)) $('builtin').value = url;
  await useModelFromUrl(url);
}

main();
