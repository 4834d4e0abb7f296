//! The PNG chart: for every workload, Borealis's TPS and p99 latency as
//! ratios to PostgreSQL's (bars; whiskers show the per-repeat TPS ratio's
//! min–max), each against its target line. Drawn with plotters' bitmap
//! backend and a TrueType font from the system (fonts-dejavu-core), so it
//! needs neither fontconfig nor the network.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::report::Row;

/// Where Debian and other distributions put DejaVu Sans.
const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

pub fn find_font(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    FONT_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or_else(|| {
            anyhow!("no DejaVuSans.ttf found (install fonts-dejavu-core or pass --font)")
        })
}

const TPS_TARGET: f64 = 1.0;
const X_CAP: f64 = 5.0;
const P99_TARGET: f64 = 1.5;
const MET: RGBColor = RGBColor(46, 139, 87);
const MISSED: RGBColor = RGBColor(205, 92, 92);

/// Draws the chart; `subtitle` names the date and the machine.
pub fn draw(rows: &[Row], path: &Path, font: &Path, subtitle: &str) -> Result<()> {
    let bytes = std::fs::read(font).with_context(|| format!("read font {}", font.display()))?;
    // plotters keeps registered fonts for the life of the process.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| anyhow!("{} is not a usable TrueType font", font.display()))?;
    let rows: Vec<&Row> = rows.iter().collect();
    anyhow::ensure!(!rows.is_empty(), "nothing to chart");
    let height = 130 + 26 * rows.len() as u32;
    let root = BitMapBackend::new(path, (1500, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let root = root
        .titled(
            &format!("Borealis / PostgreSQL 15, same machine, interleaved — {subtitle}"),
            ("sans-serif", 20),
        )
        .map_err(plot_err)?;
    let (left, right) = root.split_horizontally(950);
    panel(
        &left,
        &rows,
        "TPS ratio (higher is better; target >= 1.0)",
        |r| r.tps_ratio,
        |r| r.tps_ratio_per_repeat.map(|s| (s.min, s.max)),
        TPS_TARGET,
        |v| v >= TPS_TARGET,
        true,
    )?;
    panel(
        &right,
        &rows,
        "p99 latency ratio (lower is better; target <= 1.5)",
        |r| r.p99_ratio,
        |_| None,
        P99_TARGET,
        |v| v <= P99_TARGET,
        false,
    )?;
    root.present().map_err(plot_err)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    rows: &[&Row],
    caption: &str,
    value: impl Fn(&Row) -> Option<f64>,
    whiskers: impl Fn(&Row) -> Option<(f64, f64)>,
    target: f64,
    meets: impl Fn(f64) -> bool,
    with_labels: bool,
) -> Result<()> {
    let n = rows.len() as i32;
    let highest = rows
        .iter()
        .flat_map(|r| [value(r), whiskers(r).map(|w| w.1)])
        .flatten()
        .fold(target, f64::max);
    // Past X_CAP a bar is cut at the edge (its label still says the value),
    // so one extreme row does not flatten all the others.
    let x_max = (highest * 1.18).clamp(0.1, X_CAP);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 17))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(if with_labels { 330 } else { 8 })
        // A segmented 0..n-1 has n segments (the range is inclusive).
        .build_cartesian_2d(0f64..x_max, (0..n - 1).into_segmented())
        .map_err(plot_err)?;
    // Row 0 at the top: segment n-1-i.
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let label_of = move |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) if with_labels => labels
            .get((n - 1 - *i) as usize)
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(rows.len())
        .y_label_formatter(&label_of)
        .x_label_formatter(&|x| format!("{x:.1}x"))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(plot_err)?;
    for (i, row) in rows.iter().enumerate() {
        let y = n - 1 - i as i32;
        let Some(v) = value(row) else {
            chart
                .draw_series(std::iter::once(Text::new(
                    "no result",
                    (0.01 * x_max, SegmentValue::CenterOf(y)),
                    ("sans-serif", 13).into_font().color(&RED),
                )))
                .map_err(plot_err)?;
            continue;
        };
        let color = if meets(v) { MET } else { MISSED };
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(y)),
                (v.min(x_max), SegmentValue::Exact(y + 1)),
            ],
            color.filled(),
        );
        bar.set_margin(4, 4, 0, 0);
        chart.draw_series(std::iter::once(bar)).map_err(plot_err)?;
        if let Some((lo, hi)) = whiskers(row) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![
                        (lo.min(x_max), SegmentValue::CenterOf(y)),
                        (hi.min(x_max), SegmentValue::CenterOf(y)),
                    ],
                    BLACK.stroke_width(2),
                )))
                .map_err(plot_err)?;
        }
        let right_end = whiskers(row).map_or(v, |w| w.1.max(v));
        // Beyond the axis the label goes inside the bar's right end.
        let text_x = if right_end > 0.88 * x_max {
            0.88 * x_max
        } else {
            right_end + 0.01 * x_max
        };
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{v:.2}x"),
                (text_x, SegmentValue::CenterOf(y)),
                ("sans-serif", 12),
            )))
            .map_err(plot_err)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![
                (target, SegmentValue::Exact(0)),
                (target, SegmentValue::Last),
            ],
            BLUE.stroke_width(2),
        )))
        .map_err(plot_err)?;
    Ok(())
}

fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Measured, Workload};
    use crate::run::Run;

    fn run(tps: f64) -> Run {
        Run {
            tps,
            transactions: 100,
            failed: 0,
            p50_ms: Some(1.0),
            p99_ms: Some(3.0),
            error: None,
        }
    }

    #[test]
    fn draws_a_png_with_a_system_font() {
        let Ok(font) = find_font(None) else {
            eprintln!("skipped: no DejaVu Sans (fonts-dejavu-core)");
            return;
        };
        let workload = |clients| Workload {
            tool: "pgbench".into(),
            test: "tpcb-like".into(),
            scale: Some(1),
            mode: Some("prepared".into()),
            clients,
        };
        let rows = vec![
            Row::of(&Measured {
                workload: workload(8),
                borealis: vec![run(50.0), run(70.0)],
                postgres: vec![run(100.0), run(100.0)],
            }),
            Row::of(&Measured {
                workload: workload(32),
                borealis: vec![Run::failed("boom".into())],
                postgres: vec![run(100.0)],
            }),
        ];
        let path =
            std::env::temp_dir().join(format!("bench-cluster-chart-{}.png", std::process::id()));
        draw(&rows, &path, &font, "test machine").expect("draw");
        let bytes = std::fs::read(&path).expect("png written");
        let _ = std::fs::remove_file(&path);
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert!(bytes.len() > 5_000, "a chart with text, not an empty image");
    }
}
