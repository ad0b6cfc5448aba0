//! PNG plots: a β sweep's (the paper's Figures 2 and 3: test MSE and the
//! equivariance errors E and E' against β, mean ± spread over seeds),
//! GradNorm's α and β over a run's epochs, and a loss landscape's contours
//! ([`contour`]).

mod contour;

pub use contour::landscape_contour;

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;

use crate::error::{Result, TrainerError};

/// Where a sans-serif TrueType font is looked for (`$REMUL_FONT` first).
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Loads and registers a font once; plotters draws text only with one.
fn ensure_font() -> std::result::Result<(), String> {
    static FONT: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        let from_env = std::env::var("REMUL_FONT").ok();
        let candidates = from_env
            .iter()
            .map(String::as_str)
            .chain(FONT_PATHS.iter().copied());
        for path in candidates {
            if let Ok(bytes) = std::fs::read(path) {
                // plotters keeps fonts for the life of the process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(
            "no TrueType font found: install fonts-dejavu-core or set REMUL_FONT to a .ttf file"
                .into(),
        )
    })
    .clone()
}

/// One point of a sweep plot: β, and the mean and spread of a metric.
#[derive(Clone, Copy, Debug)]
pub struct SweepPoint {
    /// The penalty weight.
    pub beta: f64,
    /// Mean over seeds.
    pub mean: f64,
    /// Standard deviation over seeds (0 for one seed).
    pub spread: f64,
}

/// Draws `points` (β on a categorical axis, since β = 0 has no logarithm)
/// into a PNG at `path`, optionally on a log y axis.
pub fn sweep_plot(
    path: &Path,
    title: &str,
    y_label: &str,
    points: &[SweepPoint],
    log_y: bool,
) -> Result<()> {
    let err = |reason: String| TrainerError::Plot {
        path: path.to_path_buf(),
        reason,
    };
    ensure_font().map_err(err)?;
    draw(path, title, y_label, points, log_y).map_err(|e| err(e.to_string()))
}

fn draw(
    path: &Path,
    title: &str,
    y_label: &str,
    points: &[SweepPoint],
    log_y: bool,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let lo = points
        .iter()
        .map(|p| p.mean - p.spread)
        .fold(f64::INFINITY, f64::min);
    let hi = points
        .iter()
        .map(|p| p.mean + p.spread)
        .fold(f64::NEG_INFINITY, f64::max);
    let n = points.len();
    let labels: Vec<String> = points.iter().map(|p| format!("{}", p.beta)).collect();
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70);
    let x_range = -0.5f64..(n as f64 - 0.5);
    let positive_lo = points
        .iter()
        .map(|p| (p.mean - p.spread).max(p.mean * 0.5))
        .fold(f64::INFINITY, f64::min);
    // plotters puts log-axis ticks at powers of ten only: a range inside one
    // decade would get no labels, so such a range is drawn linear.
    if log_y && positive_lo > 0.0 && hi / positive_lo >= 10.0 {
        let (lo, hi) = (positive_lo * 0.8, hi * 1.25);
        let mut chart = builder.build_cartesian_2d(x_range, (lo..hi).log_scale())?;
        configure(&mut chart, &labels, y_label)?;
        series(&mut chart, points)?;
    } else {
        // An error metric drawn linear starts at zero, so that a flat curve
        // looks flat rather than zoomed into its noise.
        let lo = if log_y { 0.0 } else { lo };
        let pad = ((hi - lo) * 0.1).max(1e-9);
        let bottom = if log_y { lo } else { lo - pad };
        let mut chart = builder.build_cartesian_2d(x_range, bottom..(hi + pad))?;
        configure(&mut chart, &labels, y_label)?;
        series(&mut chart, points)?;
    }
    root.present()?;
    Ok(())
}

fn configure<
    DB: DrawingBackend,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    labels: &[String],
    y_label: &str,
) -> std::result::Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let labels = labels.to_vec();
    chart
        .configure_mesh()
        .x_labels(labels.len())
        .x_label_formatter(&move |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc("β")
        .y_desc(y_label)
        .y_label_formatter(&|y: &f64| tick_label(*y))
        .draw()?;
    Ok(())
}

/// A y tick: plain decimals in the usual range, scientific when tiny or huge.
fn tick_label(y: f64) -> String {
    let a = y.abs();
    if a == 0.0 || (1e-2..1e4).contains(&a) {
        format!("{}", (y * 1e4).round() / 1e4)
    } else {
        format!("{y:.2e}")
    }
}

fn series<DB: DrawingBackend, Y: plotters::coord::ranged1d::Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    points: &[SweepPoint],
) -> std::result::Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let xy: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.mean))
        .collect();
    chart.draw_series(LineSeries::new(xy.clone(), BLUE.stroke_width(2)))?;
    chart.draw_series(
        xy.iter()
            .map(|&(x, y)| Circle::new((x, y), 4, BLUE.filled())),
    )?;
    for (i, p) in points.iter().enumerate() {
        if p.spread > 0.0 {
            let x = i as f64;
            let bottom = (p.mean - p.spread).max(p.mean * 0.5);
            chart.draw_series(LineSeries::new(
                vec![(x, bottom), (x, p.mean + p.spread)],
                BLUE,
            ))?;
        }
    }
    Ok(())
}

/// Draws named curves `(x, y)` against a shared x axis into a PNG (GradNorm's
/// α and β over the epochs).
pub fn curves(
    path: &Path,
    title: &str,
    x_label: &str,
    series: &[(&str, Vec<(f64, f64)>)],
) -> Result<()> {
    let err = |reason: String| TrainerError::Plot {
        path: path.to_path_buf(),
        reason,
    };
    ensure_font().map_err(err)?;
    draw_curves(path, title, x_label, series).map_err(|e| err(e.to_string()))
}

/// GradNorm's α and β, each as (epoch, value), into a PNG at `path`.
pub fn gradnorm_weights(path: &Path, alpha: Vec<(f64, f64)>, beta: Vec<(f64, f64)>) -> Result<()> {
    curves(
        path,
        "GradNorm weights",
        "epoch",
        &[("α", alpha), ("β", beta)],
    )
}

fn draw_curves(
    path: &Path,
    title: &str,
    x_label: &str,
    series: &[(&str, Vec<(f64, f64)>)],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let points = series.iter().flat_map(|(_, s)| s.iter());
    let (mut x_hi, mut y_lo, mut y_hi) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in points {
        x_hi = x_hi.max(x);
        y_lo = y_lo.min(y);
        y_hi = y_hi.max(y);
    }
    if !y_lo.is_finite() {
        (y_lo, y_hi) = (0.0, 1.0);
    }
    let pad = ((y_hi - y_lo) * 0.1).max(1e-6);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_hi, (y_lo - pad)..(y_hi + pad))?;
    chart.configure_mesh().x_desc(x_label).draw()?;
    let colors = [BLUE, RED, GREEN, BLACK];
    for (i, (name, s)) in series.iter().enumerate() {
        let color = colors[i % colors.len()];
        chart
            .draw_series(LineSeries::new(s.iter().copied(), color.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tick_label;

    #[test]
    fn ticks_are_short_and_readable() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(0.024), "0.024");
        assert_eq!(tick_label(19.71), "19.71");
        assert_eq!(tick_label(0.0015), "1.50e-3");
        assert_eq!(tick_label(25_000.0), "2.50e4");
    }
}
