//! SVG plots on log–log axes (plotters, SVG backend).

use anyhow::{anyhow, Result};
use plotters::prelude::*;
use std::path::Path;

/// One named set of points.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// (x, y), both positive.
    pub points: Vec<(f64, f64)>,
    /// Join the points (sorted by x) with a line.
    pub line: bool,
    /// Draw hollow markers (for reference data beside ours).
    pub hollow: bool,
}

/// What to draw.
pub struct LogLogPlot<'a> {
    /// Chart title.
    pub title: &'a str,
    /// X-axis label.
    pub x_label: &'a str,
    /// Y-axis label.
    pub y_label: &'a str,
    /// The series, in legend order.
    pub series: &'a [Series],
    /// Draw the line y = x.
    pub diagonal: bool,
}

/// Colours that stay distinct for up to a dozen series.
const COLOURS: &[RGBColor] = &[
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(255, 215, 0),
];

/// Write `plot` to `path` as an SVG file.
pub fn log_log(path: &Path, plot: &LogLogPlot) -> Result<()> {
    let all = || plot.series.iter().flat_map(|s| s.points.iter());
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all().filter(|(x, y)| positive(*x) && positive(*y)) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        // Nothing to draw: an empty frame still opens.
        (x0, x1, y0, y1) = (1.0, 10.0, 1.0, 10.0);
    }
    if plot.diagonal {
        x0 = x0.min(y0);
        y0 = x0;
        x1 = x1.max(y1);
        y1 = x1;
    }
    // A margin of a fifth of a decade keeps markers off the frame.
    let pad = 10f64.powf(0.2);
    let (x0, x1, y0, y1) = (x0 / pad, x1 * pad, y0 / pad, y1 * pad);
    let root = SVGBackend::new(path, (900, 650)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| anyhow!("{}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(plot.title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(plot.x_label)
        .y_desc(plot.y_label)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| short_number(*v))
        .draw()
        .map_err(|e| err(&e))?;
    if plot.diagonal {
        chart
            .draw_series(LineSeries::new(
                [(x0, x0), (x1, x1)],
                ShapeStyle::from(&BLACK.mix(0.4)).stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label("y = x")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK.mix(0.4)));
    }
    for (i, s) in plot.series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| positive(*x) && positive(*y))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        if s.line {
            chart
                .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
                .map_err(|e| err(&e))?;
        }
        let style = if s.hollow {
            colour.stroke_width(1)
        } else {
            colour.mix(0.7).filled()
        };
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, style)))
            .map_err(|e| err(&e))?
            .label(s.name.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Axis labels: `1`, `30`, `2k`, `5M`, `0.01`.
fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_svg() {
        let dir = std::env::temp_dir().join(format!("regpress-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.svg");
        let s = Series {
            name: "a".into(),
            points: vec![(1.0, 2.0), (10.0, 30.0), (0.0, 5.0)],
            line: true,
            hollow: false,
        };
        log_log(
            &path,
            &LogLogPlot {
                title: "t",
                x_label: "x",
                y_label: "y",
                series: &[s],
                diagonal: true,
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..40.min(text.len())]);
        assert!(text.trim_end().ends_with("</svg>"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short_number(2000.0), "2k");
        assert_eq!(short_number(0.05), "0.05");
        assert_eq!(short_number(3.5e6), "3.5M");
    }
}
