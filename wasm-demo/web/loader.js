// The hand-written loader for remul_demo.wasm: the C-ABI exports of
// wasm-demo/src/exports.rs wrapped in a small class. No wasm-bindgen, no
// imports; works in browsers and in Node (tests/node-test.mjs uses it).
//
// Each call copies vectors in and out of the module's static buffers, so a
// returned Float32Array is the caller's own.

/** The export layer version this loader speaks (`abi_version()`). */
export const ABI_VERSION = 1;

/** What the negative return codes mean (src/demo.rs, `Failure::code`). */
export const ERROR_CODES = Object.freeze({
  [-1]: 'no model',
  [-2]: 'blob too large',
  [-3]: 'invalid blob',
  [-4]: 'model too large',
  [-5]: 'runtime error',
  [-6]: 'bad argument',
  [-7]: 'busy',
});

/** A failed export: `code` is the export's return value. */
export class RemulError extends Error {
  constructor(code, message) {
    super(message || ERROR_CODES[code] || `error ${code}`);
    this.name = 'RemulError';
    this.code = code;
  }
}

const utf8 = new TextDecoder();

export class RemulRuntime {
  /**
   * Instantiates the module from a `Response` (or a promise of one, as
   * `fetch` gives: compiled while it downloads) or from its bytes.
   */
  static async instantiate(source) {
    const resolved = await source;
    let instance;
    if (typeof Response !== 'undefined' && resolved instanceof Response) {
      if (!resolved.ok) {
        throw new Error(`${resolved.url}: HTTP ${resolved.status}`);
      }
      // instantiateStreaming needs the application/wasm MIME type; fall
      // back to bytes when a server sends another.
      const copy = resolved.clone();
      try {
        ({ instance } = await WebAssembly.instantiateStreaming(resolved, {}));
      } catch (streamingError) {
        if (!(streamingError instanceof TypeError)) throw streamingError;
        ({ instance } = await WebAssembly.instantiate(await copy.arrayBuffer(), {}));
      }
    } else {
      ({ instance } = await WebAssembly.instantiate(resolved, {}));
    }
    return new RemulRuntime(instance);
  }

  constructor(instance) {
    this.exports = instance.exports;
    const version = this.exports.abi_version();
    if (version !== ABI_VERSION) {
      throw new Error(`remul_demo.wasm speaks export version ${version}, this loader ${ABI_VERSION}`);
    }
  }

  // Views are made per call: they stay valid even if memory ever grew.
  #f32(ptr, len) {
    return new Float32Array(this.exports.memory.buffer, ptr >>> 0, len);
  }

  #text(len) {
    const bytes = new Uint8Array(this.exports.memory.buffer, this.exports.text_ptr() >>> 0, len >>> 0);
    return utf8.decode(bytes);
  }

  /** Throws a RemulError with the module's message for a negative code. */
  #check(code) {
    if (code < 0) throw new RemulError(code, this.#text(this.exports.error_text()));
  }

  /** Bytes the module's blob buffer holds. */
  get blobCapacity() {
    return this.exports.blob_capacity() >>> 0;
  }

  /** Values per input vector of the loaded model (0 without one). */
  get inputLen() {
    return this.exports.input_len() >>> 0;
  }

  /** Values per output vector of the loaded model (0 without one). */
  get outputLen() {
    return this.exports.output_len() >>> 0;
  }

  /**
   * Copies a blob into the module and validates it there. Throws a
   * RemulError (too large, invalid, too large for the buffers); after a
   * failure no model is loaded.
   */
  load(bytes) {
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const ptr = this.exports.blob_ptr() >>> 0; // drops the loaded model
    if (ptr === 0) throw new RemulError(-7);
    if (data.length <= this.blobCapacity) {
      new Uint8Array(this.exports.memory.buffer, ptr, data.length).set(data);
    } // else: load() refuses the length with its own message.
    this.#check(this.exports.load(data.length));
  }

  /** Writes the input vector. */
  setInput(values) {
    this.#requireLength(values, this.inputLen, 'input');
    this.#f32(this.exports.input_ptr(), values.length).set(values);
  }

  /** Writes the output vector (to rotate a true pose with ρ(g)). */
  setOutput(values) {
    this.#requireLength(values, this.outputLen, 'output');
    this.#f32(this.exports.output_ptr(), values.length).set(values);
  }

  #requireLength(values, expected, what) {
    if (expected === 0) throw new RemulError(-1, 'no model is loaded');
    if (values.length !== expected) {
      throw new RemulError(-6, `bad argument: the ${what} has ${values.length} values, the model ${expected}`);
    }
  }

  /** A copy of the input vector. */
  getInput() {
    return this.#f32(this.exports.input_ptr(), this.inputLen).slice();
  }

  /** A copy of the output vector. */
  getOutput() {
    return this.#f32(this.exports.output_ptr(), this.outputLen).slice();
  }

  /** φ(g) on the input vector: `degrees` about `axis` ([x, y, z]). */
  rotateInput(axis, degrees) {
    this.#check(this.exports.rotate_input(axis[0], axis[1], axis[2], degrees));
  }

  /** ρ(g) on the output vector. */
  rotateOutput(axis, degrees) {
    this.#check(this.exports.rotate_output(axis[0], axis[1], axis[2], degrees));
  }

  /** Runs the model on the input vector; returns a copy of the output. */
  predict() {
    this.#check(this.exports.predict());
    return this.getOutput();
  }

  /** E, E' and the largest error of the model at the input vector, with
   *  `m` rotations from the blob's group drawn from `seed`. */
  equivariance(m, seed) {
    this.#check(this.exports.equivariance(m, seed));
    return {
      e: this.exports.report_e(),
      ePrime: this.exports.report_e_prime(),
      maxAbs: this.exports.report_max_abs(),
      m: this.exports.report_m(),
      seed,
    };
  }

  /** Runs the blob's golden vectors in the module, bit for bit; throws on
   *  a mismatch. Returns how many there are. */
  checkGolden() {
    this.#check(this.exports.check_golden());
    return this.exports.golden_count() >>> 0;
  }

  /** Golden vector `index`: its input and the output the blob promises. */
  golden(index) {
    this.#check(this.exports.load_golden(index));
    return {
      input: this.getInput(),
      expected: this.#f32(this.exports.expected_ptr(), this.outputLen).slice(),
    };
  }

  /** What the blob says about itself. */
  metadata() {
    const x = this.exports;
    const nan = (v) => (Number.isNaN(v) ? null : v);
    const groupKind = x.group_kind();
    const group =
      groupKind === 0
        ? { kind: 'SO(3)' }
        : groupKind === 1
          ? { kind: 'SO(2)', axis: [0, 1, 2].map((i) => x.group_value(i)) }
          : { kind: 'angle range', min: x.group_value(0), max: x.group_value(1) };
    return {
      task: this.#text(x.task_text()),
      architecture: this.#text(x.architecture_text()),
      layout: this.#text(x.layout_text()),
      group,
      quant: x.quant() === 0 ? 'int8' : 'f32',
      parameters: x.parameter_count() >>> 0,
      macs: x.macs() >>> 0,
      scratchLen: x.scratch_len() >>> 0,
      tensorBytes: x.tensor_bytes() >>> 0,
      inputLen: this.inputLen,
      outputLen: this.outputLen,
      goldenCount: x.golden_count() >>> 0,
      metrics: {
        f32Mse: nan(x.metric_f32_mse()),
        int8Mse: nan(x.metric_int8_mse()),
        e: nan(x.metric_e()),
        ePrime: nan(x.metric_e_prime()),
        samples: x.metric_samples() >>> 0,
      },
    };
  }
}
