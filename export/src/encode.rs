//! Encoding: quantize, lay out, compute the golden outputs with this
//! runtime, seal with the header.

use remul_runtime::Model;
use remul_runtime::format::{self, ExportMetrics, Golden, HEADER_LEN, Payload, Quant};

use crate::Error;
use crate::spec::ModelSpec;
use crate::write;

/// Header plus postcard payload, the bytes of a blob. The payload is
/// written as given (no checks: tests use this to build broken blobs).
pub fn seal(payload: &Payload<'_>) -> Result<Vec<u8>, Error> {
    let body = postcard::to_allocvec(payload).map_err(|_| Error::Encode)?;
    let header = format::header(&body).ok_or(Error::Encode)?;
    let mut blob = Vec::with_capacity(HEADER_LEN + body.len());
    blob.extend_from_slice(&header);
    blob.extend_from_slice(&body);
    Ok(blob)
}

/// Seals `payload` with the padding that puts its tensors 4-byte aligned
/// relative to the blob start (tensors are the payload's last field).
fn seal_aligned(payload: &mut Payload<'_>) -> Result<Vec<u8>, Error> {
    const ZEROS: [u8; 3] = [0; 3];
    payload.padding = &[];
    let unpadded = seal(payload)?;
    let offset = unpadded.len() - payload.tensors.len();
    payload.padding = &ZEROS[..(4 - offset % 4) % 4];
    let blob = seal(payload)?;
    if !(blob.len() - payload.tensors.len()).is_multiple_of(4) {
        return Err(Error::Encode);
    }
    Ok(blob)
}

fn le_bytes(vectors: &[Vec<f32>]) -> Vec<u8> {
    vectors
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

/// Quantizes (for [`Quant::Int8`]) and encodes `spec`, with golden vectors
/// for `golden_inputs` whose outputs come from running the finished blob
/// through this runtime, so firmware and wasm builds must reproduce them
/// bit for bit. Deterministic: the same arguments give the same bytes.
pub fn export(
    spec: &ModelSpec,
    quant: Quant,
    golden_inputs: &[Vec<f32>],
    metrics: ExportMetrics,
) -> Result<Vec<u8>, Error> {
    let architecture = spec.checked_architecture()?;
    let tensors = write::tensors(spec, quant);
    let count = u32::try_from(golden_inputs.len())
        .map_err(|_| Error::invalid("too many golden vectors"))?;
    let mut payload = Payload {
        task: &spec.task,
        group: spec.group,
        io: spec.io.clone(),
        normalization: spec.normalization,
        quant,
        architecture,
        metrics,
        golden: Golden::default(),
        padding: &[],
        tensors: &tensors,
    };

    // The outputs come from the very weights the final blob carries.
    let draft = seal_aligned(&mut payload)?;
    let model = Model::from_bytes(&draft)?;
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut outputs = Vec::with_capacity(golden_inputs.len());
    for input in golden_inputs {
        let mut y = vec![0.0f32; model.output_len()];
        model.predict(input, &mut y, &mut scratch)?;
        outputs.push(y);
    }
    let (inputs_le, outputs_le) = (le_bytes(golden_inputs), le_bytes(&outputs));
    payload.golden = Golden {
        count,
        inputs: &inputs_le,
        outputs: &outputs_le,
    };
    let blob = seal_aligned(&mut payload)?;

    let model = Model::from_bytes(&blob)?;
    let mut scratch = vec![0.0f32; model.golden_scratch_len()];
    model.check_golden(&mut scratch)?;
    Ok(blob)
}
