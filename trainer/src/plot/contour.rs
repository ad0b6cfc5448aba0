//! A loss landscape as a PNG: log₁₀ of the loss as colour, iso-lines at
//! evenly spaced levels of it (marching squares), and the trained weights
//! marked at the middle.

use std::path::Path;

use plotters::prelude::*;

use super::ensure_font;
use crate::error::{Result, TrainerError};

/// Iso-lines drawn between the smallest and the largest value.
const LEVELS: usize = 12;

/// Viridis, sampled at five points and interpolated linearly between them.
const VIRIDIS: [(f64, f64, f64); 5] = [
    (68.0, 1.0, 84.0),
    (59.0, 82.0, 139.0),
    (33.0, 145.0, 140.0),
    (94.0, 201.0, 98.0),
    (253.0, 231.0, 37.0),
];

fn viridis(t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let k = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - k as f64;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draws the `n × n` grid `loss` (row-major, `loss[j * n + i]` at
/// `(coords[i], coords[j])`) into a PNG at `path`.
pub fn landscape_contour(path: &Path, title: &str, coords: &[f64], loss: &[f64]) -> Result<()> {
    let err = |reason: String| TrainerError::Plot {
        path: path.to_path_buf(),
        reason,
    };
    let n = coords.len();
    if n < 2 || loss.len() != n * n {
        return Err(err(format!(
            "a contour plot needs an n × n grid (n ≥ 2), got {} values for {n} coordinates",
            loss.len()
        )));
    }
    ensure_font().map_err(err)?;
    // Log scale: landscapes rise by orders of magnitude away from a minimum.
    let floor = loss
        .iter()
        .copied()
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let logs: Vec<f64> = loss
        .iter()
        .map(|v| {
            if v.is_finite() {
                v.max(floor).log10()
            } else {
                f64::NAN
            }
        })
        .collect();
    draw(path, title, coords, &logs).map_err(|e| err(e.to_string()))
}

fn draw(
    path: &Path,
    title: &str,
    coords: &[f64],
    logs: &[f64],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let n = coords.len();
    let (lo, hi) = logs
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let range = (hi - lo).max(1e-12);
    let h = coords[1] - coords[0];
    let (x0, x1) = (coords[0] - h / 2.0, coords[n - 1] + h / 2.0);

    let root = BitMapBackend::new(path, (640, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let caption = format!("{title}: log₁₀ loss {lo:.2} to {hi:.2}");
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, x0..x1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("direction 1")
        .y_desc("direction 2")
        .draw()?;
    chart.draw_series((0..n * n).map(|k| {
        let (i, j) = (k % n, k / n);
        let (x, y) = (coords[i], coords[j]);
        let colour = if logs[k].is_finite() {
            viridis((logs[k] - lo) / range)
        } else {
            RED
        };
        Rectangle::new(
            [(x - h / 2.0, y - h / 2.0), (x + h / 2.0, y + h / 2.0)],
            colour.filled(),
        )
    }))?;
    for level in 1..LEVELS {
        let c = lo + range * level as f64 / LEVELS as f64;
        let segments = iso_segments(coords, logs, c);
        chart.draw_series(
            segments
                .into_iter()
                .map(|(p, q)| PathElement::new(vec![p, q], WHITE.stroke_width(1))),
        )?;
    }
    chart.draw_series(std::iter::once(Cross::new(
        (0.0, 0.0),
        6,
        RED.stroke_width(2),
    )))?;
    root.present()?;
    Ok(())
}

/// The pieces of the iso-line `value = c` through the grid (marching
/// squares; a saddle cell is split by the value at its centre).
fn iso_segments(coords: &[f64], v: &[f64], c: f64) -> Vec<((f64, f64), (f64, f64))> {
    let n = coords.len();
    let mut segments = Vec::new();
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            // Corners counter-clockwise from (i, j).
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let values = corners.map(|(a, b)| v[b * n + a]);
            if values.iter().any(|x| !x.is_finite()) {
                continue;
            }
            // Edge e joins corner e and corner e + 1.
            let crossing = |e: usize| {
                let (a, b) = (e, (e + 1) % 4);
                let (va, vb) = (values[a], values[b]);
                if (va < c) == (vb < c) {
                    return None;
                }
                let t = (c - va) / (vb - va);
                let (pa, pb) = (corners[a], corners[b]);
                let lerp = |p: usize, q: usize| coords[p] + t * (coords[q] - coords[p]);
                Some((lerp(pa.0, pb.0), lerp(pa.1, pb.1)))
            };
            let hits: Vec<(usize, (f64, f64))> =
                (0..4).filter_map(|e| crossing(e).map(|p| (e, p))).collect();
            match hits.as_slice() {
                [(_, p), (_, q)] => segments.push((*p, *q)),
                [(_, p0), (_, p1), (_, p2), (_, p3)] => {
                    let centre = values.iter().sum::<f64>() / 4.0;
                    if (centre < c) == (values[0] < c) {
                        // Corners 1 and 3 are cut off: edges 0–1 and 2–3.
                        segments.push((*p0, *p1));
                        segments.push((*p2, *p3));
                    } else {
                        // Corners 0 and 2 are cut off: edges 3–0 and 1–2.
                        segments.push((*p3, *p0));
                        segments.push((*p1, *p2));
                    }
                }
                _ => {}
            }
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A paraboloid's iso-lines are circles: every segment's ends lie at
    /// the level's radius, up to linear interpolation's error.
    #[test]
    fn iso_lines_of_a_paraboloid_are_circles() {
        let n = 41;
        let coords: Vec<f64> = (0..n).map(|i| -1.0 + 2.0 * i as f64 / 40.0).collect();
        let v: Vec<f64> = (0..n * n)
            .map(|k| coords[k % n].powi(2) + coords[k / n].powi(2))
            .collect();
        let segments = iso_segments(&coords, &v, 0.25);
        assert!(segments.len() > 20, "{}", segments.len());
        for (p, q) in segments {
            for (x, y) in [p, q] {
                let r = (x * x + y * y).sqrt();
                assert!((r - 0.5).abs() < 0.01, "({x}, {y}) at radius {r}");
            }
        }
    }

    #[test]
    fn colours_run_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(2.0), viridis(1.0));
    }
}
