//! Model variants whose dense weights in some layers are rounded as the
//! int8 export stores them (per-row scale, `q · s`) but kept in f32: what
//! int8 weights alone cost, one group of layers at a time, with no
//! activation quantization (`trainer export --sensitivity`).

use crate::spec::{ArchitectureSpec, DenseSpec, ModelSpec};
use crate::write::quantize_row;

impl DenseSpec {
    /// This layer with every weight replaced by its int8 value times its
    /// row's scale, exactly as an int8 blob stores it; biases as they are.
    ///
    /// ```
    /// use remul_export::DenseSpec;
    /// let layer = DenseSpec { inputs: 3, outputs: 1, weight: vec![0.3, -1.0, 0.1], bias: vec![0.5] };
    /// let rounded = layer.int8_rounded();
    /// let scale = 1.0f32 / 127.0; // max|w| / 127
    /// assert_eq!(rounded.weight, [38.0 * scale, -127.0 * scale, 13.0 * scale]);
    /// assert_eq!(rounded.bias, [0.5]);
    /// ```
    pub fn int8_rounded(&self) -> DenseSpec {
        let mut weight = Vec::with_capacity(self.weight.len());
        for row in self.weight.chunks_exact(self.inputs.max(1)) {
            let (q, scale) = quantize_row(row);
            weight.extend(q.iter().map(|&v| f32::from(v) * scale));
        }
        DenseSpec {
            weight,
            ..self.clone()
        }
    }
}

impl ModelSpec {
    /// The groups of dense layers [`ModelSpec::with_int8_weights`] takes, by
    /// name: an MLP's layers one by one; a Transformer's by role across its
    /// blocks (embedding, attention query, key, value and output,
    /// feed-forward in and out, head).
    pub fn dense_groups(&self) -> Vec<String> {
        let mut copy = self.architecture.clone();
        groups_mut(&mut copy)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    /// A copy whose dense layers in group `group` (an index into
    /// [`ModelSpec::dense_groups`]; every group when `None`) carry their
    /// int8-rounded weights ([`DenseSpec::int8_rounded`]), in f32.
    pub fn with_int8_weights(&self, group: Option<usize>) -> ModelSpec {
        let mut spec = self.clone();
        for (i, (_, layers)) in groups_mut(&mut spec.architecture).into_iter().enumerate() {
            if group.is_none_or(|g| g == i) {
                for layer in layers {
                    *layer = layer.int8_rounded();
                }
            }
        }
        spec
    }
}

/// The dense layers of `architecture`, grouped and named.
fn groups_mut(architecture: &mut ArchitectureSpec) -> Vec<(String, Vec<&mut DenseSpec>)> {
    match architecture {
        ArchitectureSpec::Mlp { layers, .. } => layers
            .iter_mut()
            .enumerate()
            .map(|(i, layer)| {
                let name = format!("layer {} ({} → {})", i + 1, layer.inputs, layer.outputs);
                (name, vec![layer])
            })
            .collect(),
        ArchitectureSpec::Transformer {
            embed,
            blocks,
            head,
            ..
        } => {
            let mut roles: [Vec<&mut DenseSpec>; 6] = Default::default();
            for b in blocks.iter_mut() {
                let layers = [
                    &mut b.query,
                    &mut b.key,
                    &mut b.value,
                    &mut b.output,
                    &mut b.ff1,
                    &mut b.ff2,
                ];
                for (role, layer) in roles.iter_mut().zip(layers) {
                    role.push(layer);
                }
            }
            let names = [
                "attention query",
                "attention key",
                "attention value",
                "attention output",
                "feed-forward in",
                "feed-forward out",
            ];
            let mut groups = vec![(String::from("embedding"), vec![embed])];
            groups.extend(names.iter().map(|n| String::from(*n)).zip(roles));
            groups.push((String::from("head"), vec![head]));
            groups
        }
    }
}
