//! Generation time against operation count (synthetic family), as SVG.

use std::path::Path;

use plotters::prelude::*;

use super::tools::Tool;
use super::{Kind, Results};

/// `(label, [(operations, seconds)])` for every series with data.
pub fn series(r: &Results) -> Vec<(String, Vec<(f64, f64)>)> {
    let synth: Vec<_> = r.rows.iter().filter(|row| row.case.kind == Kind::Synthetic).collect();
    let mut out = Vec::new();
    let mut tools = vec![Tool::Ours];
    tools.extend(r.peers.iter().copied());
    for tool in tools {
        let points: Vec<(f64, f64)> = synth
            .iter()
            .filter_map(|row| {
                let run = row.tools.get(&tool)?.gen.as_ref().ok()?;
                Some((row.ops as f64, run.wall.as_secs_f64()))
            })
            .collect();
        if !points.is_empty() {
            let label =
                if tool == Tool::Ours { format!("crmgen ({} CLI)", r.cli_profile) } else { tool.label().to_string() };
            out.push((label, points));
        }
    }
    let xtask: Vec<(f64, f64)> = synth
        .iter()
        .filter_map(|row| Some((row.ops as f64, row.ours.xtask.as_ref()?.as_ref().ok()?.wall.as_secs_f64())))
        .collect();
    if !xtask.is_empty() {
        out.push(("crmgen (xtask generate, dev profile)".into(), xtask));
    }
    let parse: Vec<(f64, f64)> =
        synth.iter().filter_map(|row| Some((row.ops as f64, row.ours.parse?.as_secs_f64()))).collect();
    if !parse.is_empty() {
        out.push(("parsing alone (serde_yaml -> openapiv3)".into(), parse));
    }
    out
}

pub fn generation_time(r: &Results, path: &Path) -> Result<(), String> {
    let series = series(r);
    let all: Vec<(f64, f64)> = series.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    let (x_min, x_max) = bounds(all.iter().map(|p| p.0), 50.0, 20_000.0);
    let (y_min, y_max) = bounds(all.iter().map(|p| p.1), 0.01, 100.0);
    let root = SVGBackend::new(path, (860, 540)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| format!("plot: {e}");
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Generation time vs operation count (synthetic specs, log-log)", ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d((x_min..x_max).log_scale(), (y_min..y_max).log_scale())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("operations")
        .y_desc("seconds (best of N)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| if *y < 1.0 { format!("{y:.2}") } else { format!("{y:.0}") })
        .draw()
        .map_err(|e| err(&e))?;
    let palette = [
        RGBColor(0xd6, 0x27, 0x28),
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0x2c, 0xa0, 0x2c),
        RGBColor(0xff, 0x7f, 0x0e),
        RGBColor(0x7f, 0x7f, 0x7f),
    ];
    for (i, (label, points)) in series.iter().enumerate() {
        let color = palette[i % palette.len()];
        let style = ShapeStyle::from(&color).stroke_width(2);
        chart
            .draw_series(LineSeries::new(points.iter().copied(), style))
            .map_err(|e| err(&e))?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], ShapeStyle::from(&color).stroke_width(2))
            });
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled()))).map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Log-friendly bounds around the data (or the defaults when empty).
fn bounds(values: impl Iterator<Item = f64>, lo: f64, hi: f64) -> (f64, f64) {
    let v: Vec<f64> = values.filter(|v| v.is_finite() && *v > 0.0).collect();
    if v.is_empty() {
        return (lo, hi);
    }
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(0.0, f64::max);
    (min / 1.6, max * 1.6)
}
