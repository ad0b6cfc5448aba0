//! The E(n)-equivariant graph network of Satorras, Hoogeboom and Welling
//! (2021), with velocities, as an exactly equivariant baseline beside the
//! unconstrained models: REMUL's penalty has nothing left to teach it.
//!
//! Every entity is a node. Its first position channel is the node's
//! coordinate `x`; its other position channels (relative to `x`) and its
//! vector channels are the node's vectors `v_k`; its scalars and the norms of
//! its vectors are the invariant features `h`. A layer computes, over the
//! graph's edges `j → i`,
//!
//! - `m_ij = φ_e(h_i, h_j, ‖x_i − x_j‖²)`,
//! - `x_i ← x_i + Σ_k φ_v(h_i)_k v_k,i + mean_j (x_i − x_j) φ_x(m_ij)`,
//! - `h_i ← h_i + φ_h(h_i, mean_j m_ij)`.
//!
//! Only differences of positions, norms and invariant weights times vectors
//! appear, so the network commutes with rotations and translations (and
//! with the trainer's normalisation: centring and global scales).
//!
//! The graph is a list of directed edges (all pairs, or the task's bones
//! both ways): node features are gathered onto the edges and messages
//! summed back onto their receivers, so every elementwise operation runs on
//! contiguous `[batch, edges, width]` tensors (broadcasting over an
//! `[N, N]` grid instead costs several times more on the CPU backend).
//!
//! The head reads each node's final `h` and gives, per output channel, a
//! scalar or the coefficients of a vector built from the node's basis
//! `[x_L − x_0, v_1, …]`: a position output is `x_L` plus such a vector.

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;
use burn::tensor::{IndexingUpdateOp, TensorData};
use remul_group::Channel;
use serde::{Deserialize, Serialize};

use super::int8::dense;
use super::shape::NetShape;

/// Which pairs of entities exchange messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Graph {
    /// Every entity with every other.
    #[default]
    All,
    /// The task's bones (mocap's skeleton), both ways.
    Bones,
}

/// Sizes of an [`Egnn`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EgnnConfig {
    /// Message-passing layers.
    pub layers: usize,
    /// Width of the invariant features and the messages.
    pub hidden: usize,
    /// Which entities exchange messages.
    pub graph: Graph,
    /// A learned invariant feature per entity index (joints have
    /// identities; the bodies of an n-body system do not).
    pub entity_embedding: bool,
}

impl EgnnConfig {
    /// The EGNN papers' size: 4 layers of 64 channels.
    pub fn standard(entity_embedding: bool) -> Self {
        Self {
            layers: 4,
            hidden: 64,
            graph: Graph::All,
            entity_embedding,
        }
    }

    /// Why the network cannot be built for `shape`, if it cannot.
    pub fn unsupported(&self, shape: &NetShape) -> Option<String> {
        let io = &shape.io;
        if !io.input.channels().contains(&Channel::Position) {
            return Some(
                "EGNN needs a position channel in the input (its nodes' coordinates)".into(),
            );
        }
        if io.output.entities() != io.input.entities() {
            return Some("EGNN needs as many output entities as input entities".into());
        }
        if self.graph == Graph::Bones && shape.bones.is_empty() {
            return Some(
                "--graph bones needs a task with bones (mocap, or a dataset that declares them)"
                    .into(),
            );
        }
        let n = io.input.entities();
        if n < 2 {
            return Some("EGNN needs at least two entities to pass messages between".into());
        }
        if let Some(&[a, b]) = shape.bones.iter().find(|&&[a, b]| a >= n || b >= n) {
            return Some(format!(
                "the bone {a}–{b} names an entity beyond the {n} there are"
            ));
        }
        None
    }

    /// A freshly initialised EGNN (see [`Self::unsupported`] for the shapes
    /// it takes; others get a network that ignores what it cannot read).
    pub fn init<B: Backend>(&self, shape: NetShape, device: &B::Device) -> Egnn<B> {
        let nodes = NodeLayout::of(&shape);
        let h = self.hidden.max(1);
        let vectors = nodes.vectors();
        let linear = |i: usize, o: usize| LinearConfig::new(i, o).init(device);
        let no_bias = |i: usize, o: usize| LinearConfig::new(i, o).with_bias(false).init(device);
        let layers = (0..self.layers)
            .map(|_| Layer {
                edge_i: linear(h, h),
                edge_j: no_bias(h, h),
                edge_distance: no_bias(1, h),
                edge_out: linear(h, h),
                coord_hidden: linear(h, h),
                // Small coordinate steps at the start, as the reference
                // implementation: large ones make the first epochs diverge.
                coord_out: LinearConfig::new(h, 1)
                    .with_bias(false)
                    .with_initializer(Initializer::XavierUniform { gain: 0.001 })
                    .init(device),
                velocity_hidden: linear(h, h),
                velocity_out: linear(h, vectors.max(1)),
                node_h: linear(h, h),
                node_m: no_bias(h, h),
                node_out: linear(h, h),
            })
            .collect();
        let entity_embedding = self.entity_embedding.then(|| {
            Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            }
            .init([nodes.entities, h], device)
        });
        let (receivers, senders) = edges(nodes.entities, self.graph, &shape.bones);
        let inverse_degree = inverse_degree(nodes.entities, &receivers);
        Egnn {
            embed: linear(nodes.invariants().max(1), h),
            entity_embedding,
            layers,
            head: linear(h, nodes.head_width()),
            nodes,
            receivers,
            senders,
            inverse_degree,
        }
    }
}

/// Where an entity's channels sit, and what the head must produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeLayout {
    /// Entities (nodes).
    pub entities: usize,
    /// Numbers per input entity.
    pub in_width: usize,
    /// Offset of the coordinate (the first position channel).
    pub coordinate: usize,
    /// Offsets of the other position channels (vectors once relative).
    pub relative: Vec<usize>,
    /// Offsets of the vector channels.
    pub vectors: Vec<usize>,
    /// Offsets of the scalar channels.
    pub scalars: Vec<usize>,
    /// The output channels of an entity, in order.
    pub outputs: Vec<Channel>,
}

impl NodeLayout {
    fn of(shape: &NetShape) -> Self {
        let mut layout = Self {
            entities: shape.io.input.entities(),
            in_width: shape.io.input.entity_width(),
            coordinate: 0,
            relative: Vec::new(),
            vectors: Vec::new(),
            scalars: Vec::new(),
            outputs: shape.io.output.channels().to_vec(),
        };
        let mut offset = 0;
        let mut coordinate = None;
        for &c in shape.io.input.channels() {
            match c {
                Channel::Position if coordinate.is_none() => coordinate = Some(offset),
                Channel::Position => layout.relative.push(offset),
                Channel::Vector => layout.vectors.push(offset),
                Channel::Scalar => layout.scalars.push(offset),
            }
            offset += c.width();
        }
        layout.coordinate = coordinate.unwrap_or(0);
        layout
    }

    /// Vectors per node at the input.
    fn vectors(&self) -> usize {
        self.relative.len() + self.vectors.len()
    }

    /// Invariant input features per node: scalars and vector norms.
    fn invariants(&self) -> usize {
        self.scalars.len() + self.vectors()
    }

    /// The basis the head combines: the displacement `x_L − x_0`, then the
    /// input vectors.
    fn basis(&self) -> usize {
        1 + self.vectors()
    }

    /// Numbers the head gives per node.
    fn head_width(&self) -> usize {
        self.outputs
            .iter()
            .map(|c| match c {
                Channel::Scalar => 1,
                Channel::Vector | Channel::Position => self.basis(),
            })
            .sum::<usize>()
            .max(1)
    }
}

/// The directed edges `j → i` as (receivers, senders): every ordered pair
/// of distinct nodes, or each bone both ways (once, however often listed).
fn edges(n: usize, graph: Graph, bones: &[[usize; 2]]) -> (Vec<i64>, Vec<i64>) {
    let mut pairs: Vec<(usize, usize)> = match graph {
        Graph::All => (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .collect(),
        Graph::Bones => bones
            .iter()
            .filter(|&&[a, b]| a < n && b < n && a != b)
            .flat_map(|&[a, b]| [(a, b), (b, a)])
            .collect(),
    };
    pairs.sort_unstable();
    pairs.dedup();
    pairs.into_iter().map(|(i, j)| (i as i64, j as i64)).unzip()
}

/// Each node's `1 / incoming edges` (0 for a node without any).
fn inverse_degree(n: usize, receivers: &[i64]) -> Vec<f32> {
    let mut degree = vec![0.0f32; n];
    for &i in receivers {
        degree[i as usize] += 1.0;
    }
    degree
        .into_iter()
        .map(|d| if d > 0.0 { 1.0 / d } else { 0.0 })
        .collect()
}

/// One message-passing layer.
#[derive(Module, Debug)]
pub struct Layer<B: Backend> {
    /// φ_e's first layer, the part that reads `h_i` (with the bias).
    pub edge_i: Linear<B>,
    /// φ_e's first layer, the part that reads `h_j`.
    pub edge_j: Linear<B>,
    /// φ_e's first layer, the part that reads `‖x_i − x_j‖²`.
    pub edge_distance: Linear<B>,
    /// φ_e's second layer.
    pub edge_out: Linear<B>,
    /// φ_x's hidden layer.
    pub coord_hidden: Linear<B>,
    /// φ_x's output: one weight per edge.
    pub coord_out: Linear<B>,
    /// φ_v's hidden layer.
    pub velocity_hidden: Linear<B>,
    /// φ_v's output: one weight per input vector.
    pub velocity_out: Linear<B>,
    /// φ_h's first layer, the part that reads `h_i` (with the bias).
    pub node_h: Linear<B>,
    /// φ_h's first layer, the part that reads the mean message.
    pub node_m: Linear<B>,
    /// φ_h's second layer.
    pub node_out: Linear<B>,
}

/// A node's state between layers: coordinates `[batch, N, 3]` and
/// invariant features `[batch, N, hidden]`.
struct State<B: Backend> {
    x: Tensor<B, 3>,
    h: Tensor<B, 3>,
}

/// What every layer reads and none changes.
struct Graphed<B: Backend> {
    /// The input vectors, `[batch, N, K, 3]` (`None` when K = 0).
    vectors: Option<Tensor<B, 4>>,
    /// Each edge's receiver `i`, `[edges]`.
    receivers: Tensor<B, 1, Int>,
    /// Each edge's sender `j`, `[edges]`.
    senders: Tensor<B, 1, Int>,
    /// `[1, N, 1]`: 1 / i's incoming edges.
    inverse_degree: Tensor<B, 3>,
}

impl<B: Backend> Graphed<B> {
    /// Node values `[batch, N, w]` at each edge's receiver and sender.
    fn gather(&self, nodes: Tensor<B, 3>) -> (Tensor<B, 3>, Tensor<B, 3>) {
        (
            nodes.clone().select(1, self.receivers.clone()),
            nodes.select(1, self.senders.clone()),
        )
    }

    /// The mean over each node's incoming edges of `[batch, edges, w]`.
    fn mean_at_receivers(&self, on_edges: Tensor<B, 3>, nodes: usize) -> Tensor<B, 3> {
        let [batch, _, width] = on_edges.dims();
        let zeros =
            Tensor::<B, 3>::zeros([batch, nodes, width], &on_edges.device()).cast(on_edges.dtype());
        zeros.select_assign(1, self.receivers.clone(), on_edges, IndexingUpdateOp::Add)
            * self.inverse_degree.clone()
    }
}

impl<B: Backend> Layer<B> {
    fn forward(&self, state: State<B>, graph: &Graphed<B>) -> State<B> {
        let State { x, h } = state;
        let nodes = x.dims()[1];
        // x_i − x_j and its squared length per edge, [batch, edges, 3 | 1].
        let (x_i, x_j) = graph.gather(x.clone());
        let diff = x_i - x_j;
        let distance = diff.clone().powi_scalar(2).sum_dim(2);
        // φ_e's first layer split by what it reads: two products on the
        // nodes, gathered, instead of one of width 2·hidden + 1 on the edges.
        let (from_i, _) = graph.gather(dense(&self.edge_i, h.clone(), false));
        let (_, from_j) = graph.gather(dense(&self.edge_j, h.clone(), false));
        let pre = from_i + from_j + dense(&self.edge_distance, distance, false);
        let m = silu(dense(&self.edge_out, silu(pre), false));
        let weight = dense(
            &self.coord_out,
            silu(dense(&self.coord_hidden, m.clone(), false)),
            false,
        );
        let pull = graph.mean_at_receivers(diff * weight, nodes);
        let x = match &graph.vectors {
            Some(v) => {
                let coefficients = dense(
                    &self.velocity_out,
                    silu(dense(&self.velocity_hidden, h.clone(), false)),
                    false,
                );
                let step = (v.clone() * coefficients.unsqueeze_dim::<4>(3))
                    .sum_dim(2)
                    .squeeze_dim::<3>(2);
                x + step + pull
            }
            None => x + pull,
        };
        let mean_m = graph.mean_at_receivers(m, nodes);
        let update = dense(&self.node_h, h.clone(), false) + dense(&self.node_m, mean_m, false);
        let h = h + dense(&self.node_out, silu(update), false);
        State { x, h }
    }
}

/// The E(n)-equivariant graph network.
#[derive(Module, Debug)]
pub struct Egnn<B: Backend> {
    /// Invariant input features (scalars, vector norms) to `hidden`.
    pub embed: Linear<B>,
    /// Learned per-entity feature, `[N, hidden]`.
    pub entity_embedding: Option<Param<Tensor<B, 2>>>,
    /// The message-passing layers.
    pub layers: Vec<Layer<B>>,
    /// Per node: scalars and basis coefficients of the outputs.
    pub head: Linear<B>,
    /// Where the channels sit.
    #[module(skip)]
    pub nodes: NodeLayout,
    /// Each edge's receiver.
    #[module(skip)]
    pub receivers: Vec<i64>,
    /// Each edge's sender.
    #[module(skip)]
    pub senders: Vec<i64>,
    /// `1 / incoming edges` per node.
    #[module(skip)]
    pub inverse_degree: Vec<f32>,
}

impl<B: Backend> Egnn<B> {
    /// Per node: the final features, coordinate and basis, concatenated as
    /// `[batch, N, hidden + 3 + 3·basis]`: what [`Self::project`] reads.
    pub fn features(&self, x: Tensor<B, 2>) -> Tensor<B, 3> {
        let [batch, _] = x.dims();
        let nodes = &self.nodes;
        let n = nodes.entities;
        let device = x.device();
        let x = x.reshape([batch, n, nodes.in_width]);
        let channel = |offset: usize| x.clone().narrow(2, offset, 3);
        let coordinate = channel(nodes.coordinate);
        let vectors: Vec<Tensor<B, 3>> = nodes
            .relative
            .iter()
            .map(|&o| channel(o) - coordinate.clone())
            .chain(nodes.vectors.iter().map(|&o| channel(o)))
            .collect();
        let mut invariants: Vec<Tensor<B, 3>> = nodes
            .scalars
            .iter()
            .map(|&o| x.clone().narrow(2, o, 1))
            .collect();
        // The norm, not its square: velocities enter linearly elsewhere.
        invariants.extend(
            vectors
                .iter()
                .map(|v| (v.clone().powi_scalar(2).sum_dim(2) + 1e-8).sqrt()),
        );
        let invariants = if invariants.is_empty() {
            Tensor::<B, 3>::ones([batch, n, 1], &device).cast(x.dtype())
        } else {
            Tensor::cat(invariants, 2)
        };
        let mut h = dense(&self.embed, invariants, false);
        if let Some(e) = &self.entity_embedding {
            h = h + e.val().unsqueeze_dim(0);
        }
        let stacked = (!vectors.is_empty()).then(|| Tensor::stack::<4>(vectors.clone(), 2));
        let graph = Graphed {
            vectors: stacked,
            receivers: indices(&self.receivers, &device),
            senders: indices(&self.senders, &device),
            inverse_degree: Tensor::<B, 3>::from_data(
                TensorData::new(self.inverse_degree.clone(), [1, n, 1]),
                &device,
            )
            .cast(x.dtype()),
        };
        let start = State {
            x: coordinate.clone(),
            h,
        };
        let end = self
            .layers
            .iter()
            .fold(start, |state, layer| layer.forward(state, &graph));
        let mut parts = vec![end.h, end.x.clone(), end.x - coordinate];
        parts.extend(vectors.iter().cloned());
        Tensor::cat(parts, 2)
    }

    /// The outputs from [`Self::features`]: `[batch, N · output width]`.
    pub fn project(&self, features: Tensor<B, 3>) -> Tensor<B, 2> {
        let [batch, n, width] = features.dims();
        let basis = self.nodes.basis();
        let hidden = width - 3 - 3 * basis;
        let h = features.clone().narrow(2, 0, hidden);
        let coordinate = features.clone().narrow(2, hidden, 3);
        // [batch, N, basis, 3]
        let basis_vectors = features
            .narrow(2, hidden + 3, 3 * basis)
            .reshape([batch, n, basis, 3]);
        let coefficients = dense(&self.head, h, false);
        let mut at = 0;
        let mut outputs = Vec::with_capacity(self.nodes.outputs.len());
        for &c in &self.nodes.outputs {
            match c {
                Channel::Scalar => {
                    outputs.push(coefficients.clone().narrow(2, at, 1));
                    at += 1;
                }
                Channel::Vector | Channel::Position => {
                    let a = coefficients
                        .clone()
                        .narrow(2, at, basis)
                        .unsqueeze_dim::<4>(3);
                    let v = (basis_vectors.clone() * a).sum_dim(2).squeeze_dim::<3>(2);
                    outputs.push(if c == Channel::Position {
                        coordinate.clone() + v
                    } else {
                        v
                    });
                    at += basis;
                }
            }
        }
        let y = Tensor::cat(outputs, 2);
        let out_width = y.dims()[2];
        y.reshape([batch, n * out_width])
    }
}

/// Node indices as an integer tensor.
fn indices<B: Backend>(values: &[i64], device: &B::Device) -> Tensor<B, 1, Int> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bones_go_both_ways_once_and_all_pairs_skip_self() {
        let (to, from) = edges(3, Graph::Bones, &[[1, 0], [2, 1], [0, 1]]);
        assert_eq!(to, [0, 1, 1, 2]);
        assert_eq!(from, [1, 0, 2, 1]);
        assert_eq!(inverse_degree(3, &to), [1.0, 0.5, 1.0]);
        let (to, from) = edges(3, Graph::All, &[]);
        assert_eq!(to, [0, 0, 1, 1, 2, 2]);
        assert_eq!(from, [1, 2, 0, 2, 0, 1]);
        assert_eq!(inverse_degree(3, &to), [0.5, 0.5, 0.5]);
    }
}
