//! The PNG: capacity, clients, throughput and latency over the load pattern,
//! one panel each on a shared time axis, the phases marked. plotters' bitmap
//! backend with a TrueType font from the system (fonts-dejavu-core).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::load::Timeline;

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

fn plot_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e:?}")
}

type Series = Vec<(f64, f64)>;
/// One panel: its axis label and its lines (name, points, colour).
type Panel<'a> = (&'a str, Vec<(&'a str, &'a Series, RGBColor)>);

pub fn draw(timeline: &Timeline, path: &Path, font: &Path, machine: &str) -> Result<()> {
    let bytes = std::fs::read(font).with_context(|| format!("read font {}", font.display()))?;
    // plotters keeps registered fonts for the life of the process.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| anyhow!("{} is not a usable TrueType font", font.display()))?;
    let end = timeline
        .capacity
        .last()
        .map_or(1.0, |(t, _)| *t)
        .max(timeline.seconds.len() as f64);
    let capacity: Series = timeline.capacity.clone();
    let clients: Series = timeline
        .seconds
        .iter()
        .map(|s| (s.t, s.clients as f64))
        .collect();
    let qps: Series = timeline
        .seconds
        .iter()
        .map(|s| (s.t, s.queries as f64))
        .collect();
    let p50: Series = timeline
        .seconds
        .iter()
        .filter_map(|s| s.p50_ms.map(|v| (s.t, v)))
        .collect();
    let p99: Series = timeline
        .seconds
        .iter()
        .filter_map(|s| s.p99_ms.map(|v| (s.t, v)))
        .collect();

    let root = BitMapBackend::new(path, (1200, 1000)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let root = root
        .titled(
            &format!("Borealis serverless: idle, ramp, spike, idle — {date}, {machine}"),
            ("sans-serif", 18),
        )
        .map_err(plot_err)?;
    let panels = root.split_evenly((4, 1));
    let specs: [Panel; 4] = [
        (
            "capacity (ACU)",
            vec![("capacity", &capacity, RGBColor(46, 139, 87))],
        ),
        ("clients", vec![("clients", &clients, RGBColor(70, 70, 70))]),
        (
            "queries / s",
            vec![("queries/s", &qps, RGBColor(65, 105, 225))],
        ),
        (
            "latency (ms)",
            vec![
                ("p50", &p50, RGBColor(65, 105, 225)),
                ("p99", &p99, RGBColor(205, 92, 92)),
            ],
        ),
    ];
    for (panel, (label, series)) in panels.iter().zip(specs) {
        let top = series
            .iter()
            .flat_map(|(_, s, _)| s.iter().map(|(_, v)| *v))
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.1;
        let mut chart = ChartBuilder::on(panel)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..end, 0.0..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc(label)
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        for boundary in timeline.phase_starts {
            chart
                .draw_series(LineSeries::new(
                    [(boundary, 0.0), (boundary, top)],
                    RGBColor(200, 200, 200),
                ))
                .map_err(plot_err)?;
        }
        for (name, points, color) in series {
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(plot_err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
    }
    root.present().map_err(plot_err)?;
    Ok(())
}
